//! The JSON the package sends and accepts, byte for byte where the spec fixes it.

use overshoot_protocol::endpoints::{encode_segment, path_of, BaseUrl};
use overshoot_protocol::*;
use serde_json::{json, Value};

fn request() -> CreateStreamRequest<Value> {
    CreateStreamRequest {
        source: Some(Source::Webrtc {
            sdp: "v=0\r\n".into(),
        }),
        webrtc: None,
        mode: Some(Mode::Clip),
        processing: Processing {
            target_fps: Some(6.0),
            clip_length_seconds: Some(0.5),
            delay_seconds: Some(0.5),
            ..Processing::default()
        },
        inference: Inference {
            prompt: "Describe what you see".into(),
            model: DEFAULT_MODEL.into(),
            backend: Some(Backend::Overshoot),
            output_schema_json: None,
            max_output_tokens: Some(64),
        },
        client: None,
    }
}

#[test]
fn create_request_field_names_and_omitted_optionals() {
    let text = serde_json::to_string(&request()).unwrap();
    assert_eq!(
        text,
        r#"{"source":{"type":"webrtc","sdp":"v=0\r\n"},"mode":"clip","processing":{"target_fps":6.0,"clip_length_seconds":0.5,"delay_seconds":0.5},"inference":{"prompt":"Describe what you see","model":"Qwen/Qwen3.5-9B","backend":"overshoot","max_output_tokens":64}}"#
    );
}

#[test]
fn livekit_source_schema_and_client_serialise_as_spec() {
    let mut req = request();
    req.source = Some(Source::Livekit {
        url: "wss://lk".into(),
        token: "t".into(),
    });
    req.inference.output_schema_json = Some(json!({"type": "object"}));
    req.client = Some(ClientInfo {
        request_id: Some("r1".into()),
    });
    let v = serde_json::to_value(&req).unwrap();
    assert_eq!(
        v["source"],
        json!({"type": "livekit", "url": "wss://lk", "token": "t"})
    );
    assert_eq!(
        v["inference"]["output_schema_json"],
        json!({"type": "object"})
    );
    assert_eq!(v["client"], json!({"request_id": "r1"}));
}

#[test]
fn legacy_top_level_offer_is_accepted_and_gives_the_sdp() {
    let body = json!({
        "webrtc": {"type": "offer", "sdp": "v=0"},
        "processing": {"fps": 30, "sampling_ratio": 0.2},
        "inference": {"prompt": "p", "model": "m"}
    });
    let req: CreateStreamRequest<Value> = serde_json::from_value(body).unwrap();
    assert_eq!(req.offer_sdp(), Some("v=0"));
    assert_eq!(req.effective_mode(), Mode::Clip);
    assert_eq!(req.processing.sampled_fps(Mode::Clip), 6.0);
    assert!(validate_request(&req).is_ok());
}

#[test]
fn mode_is_inferred_from_interval_seconds() {
    let body = json!({"processing": {"interval_seconds": 0.5}, "inference": {"prompt": "p", "model": "m"}});
    let req: CreateStreamRequest<Value> = serde_json::from_value(body).unwrap();
    assert_eq!(req.effective_mode(), Mode::Frame);
    assert_eq!(req.processing.result_interval_seconds(Mode::Frame), 0.5);
    let empty: CreateStreamRequest<Value> =
        serde_json::from_value(json!({"inference": {"prompt": "p", "model": "m"}})).unwrap();
    assert_eq!(empty.effective_mode(), Mode::Clip);
    assert_eq!(empty.processing.result_interval_seconds(Mode::Clip), 0.5);
}

#[test]
fn responses_parse_tolerantly() {
    let create: CreateStreamResponse = serde_json::from_value(json!({
        "stream_id": "s1",
        "webrtc": {"type": "answer", "sdp": "v=0"},
        "lease": {"ttl_seconds": 30},
        "turn_servers": [{"urls": "turn:a:3478", "username": "u", "credential": "c"},
                         {"urls": ["stun:b", "turns:c:443"]}],
        "livekit": null,
        "something_new": 1
    }))
    .unwrap();
    assert_eq!(create.stream_id, "s1");
    assert_eq!(create.lease.unwrap().ttl_seconds, 30.0);
    let servers = create.turn_servers.unwrap();
    assert_eq!(servers[0].urls.to_vec(), vec!["turn:a:3478"]);
    assert_eq!(servers[1].urls.to_vec(), vec!["stun:b", "turns:c:443"]);
    assert_eq!(servers[1].username, None);

    let keep: KeepaliveResponse = serde_json::from_value(json!({
        "status": "ok", "stream_id": "s1", "ttl_seconds": 30, "credits_remaining_cents": 12
    }))
    .unwrap();
    assert_eq!(keep.ttl_seconds, Some(30.0));

    let err: ErrorBody<Value> = serde_json::from_value(json!({"detail": "nope"})).unwrap();
    assert_eq!(err.detail, Some(json!("nope")));
}

#[test]
fn result_round_trips_with_spec_field_names() {
    let text = r#"{"id":"r","stream_id":"s","mode":"clip","model_backend":"overshoot","model_name":"m","prompt":"p","result":"red","inference_latency_ms":120.5,"total_latency_ms":310.2,"ok":true,"error":null,"finish_reason":"stop"}"#;
    let r: StreamResult = serde_json::from_str(text).unwrap();
    assert_eq!(serde_json::to_string(&r).unwrap(), text);
}

#[test]
fn urls_never_hold_the_key_and_map_ws_schemes() {
    let base = BaseUrl::parse("https://api.overshoot.ai/v1/", false).unwrap();
    assert_eq!(base.streams(), "https://api.overshoot.ai/v1/streams");
    assert_eq!(
        base.keepalive("a b"),
        "https://api.overshoot.ai/v1/streams/a%20b/keepalive"
    );
    assert_eq!(
        base.prompt("s"),
        "https://api.overshoot.ai/v1/streams/s/config/prompt"
    );
    assert_eq!(
        base.results_socket("s"),
        "wss://api.overshoot.ai/v1/ws/streams/s"
    );
    let local = BaseUrl::parse("http://127.0.0.1:8080", false).unwrap();
    assert_eq!(
        local.results_socket("s"),
        "ws://127.0.0.1:8080/ws/streams/s"
    );
    assert!(BaseUrl::parse("http://localhost:1/v1", false).is_ok());
    assert!(BaseUrl::parse("http://[::1]:1", false).is_ok());
    assert!(BaseUrl::parse("http://example.com/v1", false).is_err());
    assert!(BaseUrl::parse("http://example.com/v1", true).is_ok());
    assert!(BaseUrl::parse("ftp://x", true).is_err());
    assert!(BaseUrl::parse("api.overshoot.ai", false).is_err());
    assert_eq!(encode_segment("s/../x"), "s%2F..%2Fx");
}

#[test]
fn messages_name_a_url_by_its_path() {
    assert_eq!(
        path_of("https://u:p@api.example/v1/streams?x"),
        "/v1/streams?x"
    );
    assert_eq!(path_of("http://[::1]:9/s/é"), "/s/é");
    for whole in ["https://api.example", "no scheme/x", "é://", ""] {
        assert_eq!(path_of(whole), whole);
    }
}

#[test]
fn odd_base_urls_are_refused_or_kept_never_a_panic() {
    for url in ["http://[::1", "http://[", "https://[::1/v1", "http://@["] {
        let refused = BaseUrl::parse(url, true).unwrap_err();
        assert!(refused.0.contains("closing ]"), "{url}: {}", refused.0);
    }
    // Multi-byte text where the scheme is cut off for the socket URL.
    let idn = BaseUrl::parse("http://é.example/v1", true).unwrap();
    assert_eq!(idn.results_socket("s"), "ws://é.example/v1/ws/streams/s");
    let idn = BaseUrl::parse("https://ü", false).unwrap();
    assert_eq!(idn.results_socket("s"), "wss://ü/ws/streams/s");
    // Every prefix of a tricky URL: accepted or refused, nothing else.
    let tricky = "hTTp://user:pw@[::1]:80/é/ü?";
    for (end, _) in tricky.char_indices().chain([(tricky.len(), ' ')]) {
        let head = &tricky[..end];
        if let Ok(base) = BaseUrl::parse(head, true) {
            let _ = base.results_socket("x");
        }
    }
}

#[test]
fn close_codes_classify_per_spec() {
    assert_eq!(classify_close(1008, ""), CloseKind::AuthFailed);
    assert_eq!(
        classify_close(1001, "stream ended: lease_expired"),
        CloseKind::StreamEnded("lease_expired".into())
    );
    assert_eq!(classify_close(1001, ""), CloseKind::Dropped);
    // A proxy going away is a drop, not the end of the stream.
    assert_eq!(classify_close(1001, "Going Away"), CloseKind::Dropped);
    assert_eq!(
        classify_close(1001, " stream ended:insufficient_credits "),
        CloseKind::StreamEnded("insufficient_credits".into())
    );
    assert_eq!(classify_close(1000, "stream ended: x"), CloseKind::Dropped);
    assert_eq!(classify_close(1006, ""), CloseKind::Dropped);
    assert_eq!(
        ErrorKind::from_status(402).name(),
        "InsufficientCreditsError"
    );
    assert_eq!(ErrorKind::from_status(422).name(), "ValidationError");
    assert_eq!(ErrorKind::from_status(409).name(), "ApiError");
    assert_eq!(ErrorKind::from_status(503).name(), "ServerError");
    assert_eq!(overshoot_protocol::lease::renew_delay_ms(30.0), 15_000);
    assert_eq!(overshoot_protocol::lease::renew_delay_ms(f64::NAN), 250);
}

#[test]
fn error_kinds_round_trip_through_their_names() {
    for name in [
        "SourceLoadError",
        "SourceEndedError",
        "SourceUnsupportedError",
        "MediaError",
        "AbortError",
    ] {
        assert_eq!(ErrorKind::from_name(name).map(ErrorKind::name), Some(name));
    }
    assert_eq!(ErrorKind::from_name("TypeError"), None);
    assert_eq!(ErrorKind::from_name(""), None);
}
