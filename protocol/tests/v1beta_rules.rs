//! v1beta's rule tables: error classification, retries, region correction, validation.

use overshoot_protocol::v1beta::chat::*;
use overshoot_protocol::v1beta::errors::*;
use overshoot_protocol::v1beta::retry::*;
use overshoot_protocol::v1beta::streams::{CameraSource, CreateStreamBody, SourceKind};
use overshoot_protocol::v1beta::validate::*;
use overshoot_protocol::ErrorKind;
use serde_json::{json, Value};

#[test]
fn every_documented_code_has_a_status_a_type_and_a_kind() {
    use ChatErrorCode::*;
    let table = [
        ("stream_url_invalid", 400, ErrorKind::Validation),
        ("query_param_invalid", 400, ErrorKind::Validation),
        ("stream_not_found", 404, ErrorKind::NotFound),
        ("stream_unauthorized", 403, ErrorKind::Unauthorized),
        ("segment_empty", 404, ErrorKind::Validation),
        ("segment_invalid", 400, ErrorKind::Validation),
        ("frame_evicted", 410, ErrorKind::Validation),
        ("frame_not_yet_produced", 409, ErrorKind::Validation),
        ("model_unavailable", 503, ErrorKind::Server),
        ("model_video_unsupported", 400, ErrorKind::Validation),
        ("provider_safety_block", 400, ErrorKind::Api),
        ("billing_denied", 402, ErrorKind::InsufficientCredits),
        ("upstream_http_400", 502, ErrorKind::Server),
        ("upstream_http_429", 429, ErrorKind::RateLimit),
        ("upstream_timeout", 504, ErrorKind::Server),
        ("upstream_request_failed", 502, ErrorKind::Server),
    ];
    for (wire, status, kind) in table {
        let code = ChatErrorCode::parse(wire).unwrap();
        assert_eq!(
            (code.as_string(), code.status(), code.kind()),
            (wire.to_string(), status, kind)
        );
        let body = ErrorEnvelope::chat(code, "m");
        assert_eq!(classify(status, Some(&body)), kind, "{wire}");
    }
    assert_eq!(StreamNotFound.error_type(), "stream_error");
    assert_eq!(UpstreamHttp(400).error_type(), "upstream_error");
    assert_eq!(BillingDenied.error_type(), "billing_error");
    assert_eq!(QueryParamInvalid.alternative_status(), Some(422));
    assert_eq!(FrameNotYetProduced.alternative_status(), Some(422));
    assert_eq!(ChatErrorCode::parse("upstream_http_x"), None);
    assert_eq!(ChatErrorCode::parse("teapot"), None);
}

#[test]
fn unknown_codes_and_plain_bodies_fall_back_to_the_status() {
    let plain: ErrorEnvelope =
        serde_json::from_value(json!({"detail": "Invalid API key"})).unwrap();
    assert_eq!(classify(401, Some(&plain)), ErrorKind::Unauthorized);
    assert_eq!(classify(402, None), ErrorKind::InsufficientCredits);
    let odd = ErrorEnvelope {
        error: Some("teapot".into()),
        ..ErrorEnvelope::default()
    };
    assert_eq!(classify(503, Some(&odd)), ErrorKind::Server);
    assert_eq!(classify(422, None), ErrorKind::Validation);
}

fn http(status: u16, body: Option<&ErrorEnvelope>, retry_after_ms: Option<u32>) -> Failure<'_> {
    Failure::Http {
        status,
        body,
        retry_after_ms,
    }
}

#[test]
fn a_429_is_honoured_once_with_its_retry_after() {
    let mut state = RetryState::new();
    assert_eq!(
        state.next(Call::Chat, http(429, None, Some(2_000))),
        Next::RetryAfterMs(2_000)
    );
    assert_eq!(
        state.next(Call::Chat, http(429, None, Some(2_000))),
        Next::Fail(ErrorKind::RateLimit)
    );
    let mut state = RetryState::new();
    assert_eq!(
        state.next(Call::Chat, http(429, None, None)),
        Next::RetryAfterMs(1_000)
    );
    let mut state = RetryState::new();
    assert_eq!(
        state.next(Call::Chat, http(429, None, Some(3_600_000))),
        Next::Fail(ErrorKind::RateLimit)
    );
}

#[test]
fn a_wrong_region_is_corrected_once() {
    let body: ErrorEnvelope = serde_json::from_value(json!({"detail": {"error": "region_error",
        "expected_region": "us-central1", "requested_region": null}}))
    .unwrap();
    let mut state = RetryState::new();
    assert_eq!(
        state.next(Call::Chat, http(409, Some(&body), None)),
        Next::RetryInRegion("us-central1".into())
    );
    assert_eq!(
        state.next(Call::Chat, http(409, Some(&body), None)),
        Next::Fail(ErrorKind::Api)
    );
    let no_region = ErrorEnvelope::chat(ChatErrorCode::FrameNotYetProduced, "later");
    let mut state = RetryState::new();
    assert_eq!(
        state.next(Call::Chat, http(409, Some(&no_region), None)),
        Next::Fail(ErrorKind::Validation)
    );
    assert_eq!(REGION_HEADER, "X-Overshoot-Region");
}

#[test]
fn transient_failures_follow_each_calls_schedule() {
    let mut state = RetryState::new();
    for _ in 0..3 {
        assert_eq!(
            state.next(Call::Keepalive, Failure::Network),
            Next::RetryAfterMs(1_000)
        );
    }
    assert_eq!(
        state.next(Call::Keepalive, Failure::Network),
        Next::Fail(ErrorKind::Network)
    );
    let mut state = RetryState::new();
    let delays: Vec<Next> = (0..4)
        .map(|_| state.next(Call::Chat, http(503, None, None)))
        .collect();
    assert_eq!(
        delays,
        [
            Next::RetryAfterMs(500),
            Next::RetryAfterMs(1_000),
            Next::RetryAfterMs(2_000),
            Next::Fail(ErrorKind::Server)
        ]
    );
    let mut state = RetryState::new();
    assert_eq!(
        state.next(Call::Create, Failure::Network),
        Next::Fail(ErrorKind::Network)
    );
    assert_eq!(
        state.next(Call::Create, http(503, None, None)),
        Next::RetryAfterMs(500)
    );
    let mut state = RetryState::new();
    assert_eq!(
        state.next(Call::Keepalive, http(404, None, None)),
        Next::Fail(ErrorKind::NotFound)
    );
    assert_eq!(
        state.next(Call::Chat, http(400, None, None)),
        Next::Fail(ErrorKind::Validation)
    );
    assert!(delete_succeeded(404) && delete_succeeded(200) && !delete_succeeded(409));
}

#[test]
fn every_chat_case_gets_its_verdict_and_code() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/v1beta/chat_cases.json"
    );
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert!(cases.len() >= 25);
    for case in cases {
        let request: ChatRequest<Value> = serde_json::from_value(case["request"].clone()).unwrap();
        let (verdict, code) = match validate_chat(&request) {
            Ok(()) => ("ok".to_string(), None),
            Err(e) => (e.field.field, e.code.map(|c| c.as_string())),
        };
        assert_eq!(
            verdict,
            case["verdict"].as_str().unwrap(),
            "case {}",
            case["name"]
        );
        assert_eq!(
            code.as_deref(),
            case["code"].as_str(),
            "case {}",
            case["name"]
        );
    }
}

#[test]
fn create_and_checkout_rules() {
    let camera = |kind, url: &str| CreateStreamBody {
        source: Some(CameraSource {
            kind,
            url: url.into(),
        }),
    };
    assert_eq!(validate_create(&CreateStreamBody::default()), Ok(()));
    assert_eq!(
        validate_create(&camera(SourceKind::Rtsp, "rtsps://cam.example/s")),
        Ok(())
    );
    assert_eq!(
        validate_create(&camera(SourceKind::Hls, "https://cdn.example/live.m3u8")),
        Ok(())
    );
    let field = |b: CreateStreamBody| validate_create(&b).unwrap_err().field;
    assert_eq!(
        field(camera(SourceKind::Hls, "rtsp://cam.example/s")),
        "source.url"
    );
    assert_eq!(field(camera(SourceKind::Rtsp, "rtsp://")), "source.url");
    assert_eq!(field(camera(SourceKind::Livekit, "wss://x")), "source.type");
    assert!(validate_checkout(100).is_ok());
    assert_eq!(validate_checkout(99).unwrap_err().field, "amount_cents");
}

#[test]
fn clip_media_stays_inside_retention() {
    use overshoot_protocol::v1beta::question::Media;
    let clip = |seconds, fps| validate_media(Media::Clip { seconds, fps });
    assert!(validate_media(Media::Frame).is_ok());
    assert!(clip(0.5, 6.0).is_ok());
    assert!(clip(600.0, 30.0).is_ok());
    for (seconds, fps, field) in [
        (0.0, 6.0, "clip_length_seconds"),
        (600.5, 6.0, "clip_length_seconds"),
        (f64::NAN, 6.0, "clip_length_seconds"),
        (1.0, 0.0, "target_fps"),
        (1.0, 31.0, "target_fps"),
        (1.0, f64::INFINITY, "target_fps"),
    ] {
        assert_eq!(
            clip(seconds, fps).unwrap_err().field,
            field,
            "{seconds} {fps}"
        );
    }
    let e = clip(0.0, 6.0).unwrap_err();
    assert_eq!(e.message, "must be more than 0 and at most 600 (got 0)");
}
