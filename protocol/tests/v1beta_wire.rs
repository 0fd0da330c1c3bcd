//! Every example body of `overshoot-v1beta.md` (copied into `fixtures/v1beta/`) parses
//! into the v1beta wire types, and every §16 alternative shape is accepted.

use overshoot_protocol::v1beta::chat::*;
use overshoot_protocol::v1beta::errors::{Detail, ErrorEnvelope};
use overshoot_protocol::v1beta::reference::{ClipRef, FrameRef};
use overshoot_protocol::v1beta::streams::*;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

fn fixture<T: DeserializeOwned>(name: &str) -> T {
    let path = format!(
        "{}/tests/fixtures/v1beta/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn from<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

#[test]
fn stream_endpoint_examples_parse() {
    let created: CreatedStream = fixture("create_response");
    assert_eq!(created.id, "2ea5a604-d225-4cd2-82ac-b907cb0b4f63");
    assert_eq!(created.state, StreamState::Active);
    assert_eq!(created.source_kind(), SourceKind::Livekit);
    let publish = created.publish.unwrap();
    assert_eq!(
        (publish.kind.as_str(), publish.token.as_str()),
        ("livekit", "<JWT>")
    );
    assert_eq!(
        (created.expires_at_ms, created.ttl_seconds),
        (1777529931184, 300)
    );

    let kept: KeepaliveAnswer = fixture("keepalive_response");
    assert_eq!(kept.stream_time_ms, Some(12480.0));
    assert_eq!(kept.publish.unwrap().token, "<fresh JWT>");

    let status: StreamStatus = fixture("status_camera");
    assert_eq!(status.last_pull, Some(1785895207840));
    assert_eq!(status.recent_fps, Some(30.0));
    assert_eq!(status.stream_time_ms, Some(12480.0));
    assert!(status.has_frames());
    assert_eq!(
        (status.source, status.last_frame_index, status.end_reason()),
        (None, None, None)
    );

    let viewer: ViewerToken = fixture("viewer_token_response");
    assert_eq!(viewer.view.grant.token, "<subscribe-only JWT>");
    assert_eq!(viewer.view.expires_in_seconds, 300);

    let deleted: Deleted = from(json!({"id": "x", "deleted": true}));
    assert!(deleted.deleted);

    let models: ModelList = fixture("models");
    assert_eq!(models.data[0].id, "Qwen/Qwen3.6-27B-FP8");
    assert!(models.data[0].is_ready());

    let camera: CreateStreamBody = fixture("create_camera_request");
    let source = camera.source.unwrap();
    assert_eq!(source.kind, SourceKind::Rtsp);
    assert!(
        !format!("{source:?}").contains("pass"),
        "Debug hides the URL"
    );
}

#[test]
fn create_bodies_for_livekit_are_empty_objects() {
    let empty: CreateStreamBody = from(json!({}));
    assert_eq!(empty, CreateStreamBody::default());
    assert_eq!(serde_json::to_string(&empty).unwrap(), "{}");
}

#[test]
fn chat_examples_parse() {
    let req: ChatRequest<Value> = fixture("chat_request");
    let Some(Content::Parts(parts)) = &req.messages[0].content else {
        panic!("parts expected")
    };
    let ContentPart::VideoUrl { video_url } = &parts[1] else {
        panic!("video part expected")
    };
    assert_eq!(ClipRef::parse(&video_url.url).unwrap().max_fps, Some(2.0));
    let ContentPart::ImageUrl { image_url } = &parts[2] else {
        panic!("image part expected")
    };
    assert!(FrameRef::parse(&image_url.url).is_ok());
    assert!(!req.is_streaming());

    let answer: ChatCompletion = fixture("chat_response");
    assert_eq!(
        answer.first_text(),
        (Some("Plaid robe, t-shirt."), Some("stop"))
    );
    assert_eq!(answer.usage.unwrap().total_tokens, 316);
    let cache = answer.overshoot.unwrap().cache.unwrap();
    assert_eq!((cache.thread_id, cache.cache_hit), (None, false));
}

#[test]
fn error_examples_parse_into_one_envelope() {
    let chat: ErrorEnvelope = fixture("chat_error");
    assert_eq!(chat.code(), Some("stream_not_found"));
    assert_eq!(chat.message(), Some("Stream not found: <stream_id>"));
    let region: ErrorEnvelope = fixture("region_error");
    assert!(region.is_region_error());
    assert_eq!(region.expected_region(), Some("us-west1"));
    let plain: ErrorEnvelope = fixture("create_422");
    assert_eq!(plain.code(), None);
    assert!(plain.message().unwrap().starts_with("Could not connect"));
    let validation: ErrorEnvelope = fixture("validation_error");
    assert_eq!(validation.code(), Some("validation_error"));
    assert_eq!(validation.details.unwrap()[0].loc, ["body", "model"]);
    let indexed: ErrorEnvelope = from(json!({"error": "validation_error", "message": "m",
        "details": [{"loc": ["body", "messages", 0, "role"], "msg": "bad", "type": "enum"}]}));
    assert_eq!(
        indexed.details.unwrap()[0].loc,
        ["body", "messages", "0", "role"]
    );
    let empty: ErrorEnvelope =
        from(json!({"error": "validation_error", "message": "m", "details": []}));
    assert_eq!(empty.details, Some(vec![]));
}

#[test]
fn section_16_alternatives_are_accepted() {
    // §16.2 and §6: `reaped` and unknown end reasons.
    for (wire, reason) in [
        ("expired", EndReason::Expired),
        ("deleted", EndReason::Deleted),
        ("reaped", EndReason::Reaped),
        ("publisher_gone", EndReason::Other("publisher_gone".into())),
    ] {
        let s: StreamStatus = from(json!({"id": "s", "state": "ended", "end_reason": wire}));
        assert_eq!(s.end_reason(), Some(reason));
    }
    // §16.3: `loading` and unknown statuses are not ready.
    let m: ModelList = from(json!({"object": "list", "data": [
        {"id": "a", "object": "model", "created": 1, "owned_by": "o", "status": "loading"},
        {"id": "b", "object": "model", "created": 1, "owned_by": "o", "status": "warming"}]}));
    assert!(m.data.iter().all(|m| !m.is_ready()));
    // §16.9: `stream_time_ms` zero or null before the first frame; §6 before-frame record.
    for t in [json!(0), Value::Null] {
        let s: StreamStatus = from(json!({"id": "s", "state": "active", "created_at_ms": 1,
            "expires_at_ms": 2, "ttl_seconds": 300, "stream_time_ms": t}));
        assert!(!s.has_frames());
        assert_eq!(s.first_frame_at_ms, None);
    }
    // §16.16: a chat 409 in the chat envelope still reads as a region error.
    let chat409: ErrorEnvelope = from(json!({"detail": {"error": {"message": "wrong region",
        "type": "stream_error", "code": "region_error"}}}));
    assert!(chat409.is_region_error());
    assert!(matches!(chat409.detail, Some(Detail::Chat(_))));
    // §16.22: create and keepalive without `source`, and a camera stream's null publish.
    let c: CreatedStream = from(json!({"id": "s", "state": "active", "publish": null,
        "expires_at_ms": 1, "ttl_seconds": 300, "source": {"type": "hls"}}));
    assert_eq!((c.source_kind(), c.publish), (SourceKind::Hls, None));
    let k: KeepaliveAnswer = from(json!({"id": "s", "expires_at_ms": 1, "ttl_seconds": 300}));
    assert_eq!((k.stream_time_ms, k.publish), (None, None));
    // §16.25: SSE chunks without OpenAI's id/object/created/model/index.
    let chunk: ChatChunk =
        from(json!({"choices": [{"delta": {"content": "Pla"}, "finish_reason": null}]}));
    assert_eq!(chunk.choices[0].delta.content.as_deref(), Some("Pla"));
    assert_eq!((chunk.id, chunk.choices[0].index), (None, None));
    let last: ChatChunk = from(json!({"choices": [], "usage": {"prompt_tokens": 3,
        "completion_tokens": 2, "total_tokens": 5}, "overshoot": {"cache": {"thread_id": "t",
        "cache_hit": true, "cached_input_tokens": 3}}}));
    assert_eq!(last.usage.unwrap().total_tokens, 5);
}

#[test]
fn unknown_fields_and_unknown_enum_values_are_ignored() {
    let c: CreatedStream = from(
        json!({"id": "s", "state": "paused", "publish": {"type": "livekit",
        "url": "u", "token": "t", "room": "r"}, "expires_at_ms": 1, "ttl_seconds": 300,
        "source": {"type": "srt"}, "region": "us-west1"}),
    );
    assert_eq!(
        (c.state, c.source_kind()),
        (StreamState::Other, SourceKind::Other)
    );
    let r: ChatRequest<Value> = from(json!({"model": "m", "temperature": 0, "n": 1,
        "messages": [{"role": "user", "content": "hi", "name": "x"}], "max_tokens": 5}));
    assert_eq!(r.output_cap(), Some(5));
    assert_eq!(r.messages[0].content, Some(Content::Text("hi".into())));
}

#[test]
fn tokens_never_reach_debug_output() {
    let c: CreatedStream = fixture("create_response");
    assert!(!format!("{c:?}").contains("<JWT>"));
    let v: ViewerToken = fixture("viewer_token_response");
    assert!(!format!("{v:?}").contains("subscribe-only JWT"));
}

#[test]
fn the_package_request_encodes_to_the_documented_shape() {
    let req = ChatRequest {
        model: "m".into(),
        messages: vec![Message::user(vec![
            ContentPart::Text {
                text: "What colour?".into(),
            },
            ContentPart::VideoUrl {
                video_url: MediaUrl {
                    url: ClipRef::last_seconds("s", 0.5, 6.0).to_url(),
                },
            },
        ])],
        max_completion_tokens: Some(64),
        max_tokens: None,
        response_format: Some(ResponseFormat::JsonSchema {
            json_schema: JsonSchemaFormat {
                name: "result".into(),
                schema: json!({"type": "object"}),
                strict: None,
            },
        }),
        stream: Some(true),
        stream_options: Some(StreamOptions {
            include_usage: Some(true),
        }),
        thread_id: Some("t1".into()),
    };
    assert_eq!(
        serde_json::to_value(&req).unwrap(),
        json!({"model": "m", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "What colour?"},
            {"type": "video_url", "video_url": {"url": "ovs://streams/s?start_offset_ms=-500&max_fps=6"}}]}],
            "max_completion_tokens": 64,
            "response_format": {"type": "json_schema", "json_schema": {"name": "result", "schema": {"type": "object"}}},
            "stream": true, "stream_options": {"include_usage": true}, "thread_id": "t1"})
    );
    let back: ChatRequest<Value> = from(serde_json::to_value(&req).unwrap());
    assert_eq!(back, req);
}

#[test]
fn servers_write_the_documented_shapes() {
    let status: StreamStatus = from(json!({"id": "s", "state": "active"}));
    let written = serde_json::to_value(&status).unwrap();
    assert_eq!(
        written.as_object().unwrap().len(),
        19,
        "every key, null when unknown"
    );
    assert_eq!(written["last_frame_index"], Value::Null);
    let envelope = ErrorEnvelope::chat(
        overshoot_protocol::v1beta::errors::ChatErrorCode::StreamNotFound,
        "Stream not found: <stream_id>",
    );
    let expected: Value = fixture("chat_error");
    assert_eq!(serde_json::to_value(&envelope).unwrap(), expected);
    let view: ViewerToken = fixture("viewer_token_response");
    let expected: Value = fixture("viewer_token_response");
    assert_eq!(serde_json::to_value(&view).unwrap(), expected);
}

#[test]
fn a_json_answer_becomes_a_streams_api_result() {
    use overshoot_protocol::v1beta::answer::{Answer, ResultContext};
    use overshoot_protocol::Mode;
    let answer = Answer::from_completion(&fixture("chat_response"));
    assert_eq!(answer.usage.map(|u| u.prompt_tokens), Some(307));
    let result = answer.to_stream_result(&ResultContext {
        stream_id: "s".into(),
        mode: Mode::Frame,
        model: "google/gemma-4-26B-A4B-it".into(),
        prompt: "What is she wearing?".into(),
        latency_ms: 812.0,
    });
    let written = serde_json::to_value(&result).unwrap();
    assert_eq!(written["id"], "34225b75-abae-4c58-8191-2abdc8f437de");
    assert_eq!(written["result"], "Plaid robe, t-shirt.");
    assert_eq!(
        (written["ok"].clone(), written["finish_reason"].clone()),
        (json!(true), json!("stop"))
    );
    assert_eq!(
        (written["mode"].clone(), written["total_latency_ms"].clone()),
        (json!("frame"), json!(812.0))
    );
}

#[test]
fn a_question_maps_the_app_options_onto_the_chat_request() {
    use overshoot_protocol::v1beta::question::{Media, Question};
    use overshoot_protocol::v1beta::validate::validate_chat;
    let clip = Question {
        stream_id: "s",
        model: "m",
        prompt: "What colour?",
        media: Media::Clip {
            seconds: 2.0,
            fps: 6.0,
        },
        output_schema: Some(json!({"type": "object", "required": ["colour"]})),
        max_output_tokens: Some(32),
        thread_id: Some("session-1"),
        stream: true,
    }
    .into_request();
    assert!(validate_chat(&clip).is_ok());
    assert_eq!(
        serde_json::to_value(&clip).unwrap(),
        json!({"model": "m", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "What colour?"},
            {"type": "video_url", "video_url": {"url": "ovs://streams/s?start_offset_ms=-2000&max_fps=6"}}]}],
            "max_completion_tokens": 32,
            "response_format": {"type": "json_schema", "json_schema": {"name": "output",
                "schema": {"type": "object", "required": ["colour"]}}},
            "stream": true, "stream_options": {"include_usage": true}, "thread_id": "session-1"})
    );
    let frame = Question::<Value> {
        stream_id: "s",
        model: "m",
        prompt: "p",
        media: Media::Frame,
        output_schema: None,
        max_output_tokens: None,
        thread_id: None,
        stream: false,
    }
    .into_request();
    assert_eq!(
        serde_json::to_value(&frame).unwrap(),
        json!({"model": "m", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "p"},
            {"type": "image_url", "image_url": {"url": "ovs://streams/s?frame_index=-1"}}]}]})
    );
}

#[test]
fn billing_shapes_parse() {
    use overshoot_protocol::v1beta::billing::*;
    let p: Vec<Pricing> = from(json!([{"id": "9b1c", "model": "Qwen/Qwen3.6-27B-FP8",
        "provider": "overshoot", "version": "1", "input_microcents_per_token": 10,
        "output_microcents_per_token": 40, "public": true}]));
    assert_eq!(p[0].cached_input_microcents_per_token, None);
    let b: Balance =
        from(json!({"user_id": "u", "balance_microcents": 1_500_000, "balance_cents": 1}));
    assert_eq!(b.balance_microcents as u64 / MICROCENTS_PER_CENT, 1);
    let c: Checkout = from(json!({"url": "https://checkout.example/x"}));
    assert!(c.url.starts_with("https://"));
}

#[test]
fn fastapi_default_validation_bodies_are_read_too() {
    let body: ErrorEnvelope = from(json!({"detail": [{"loc": ["body", "source", "url"],
        "msg": "Field required", "type": "missing"}]}));
    assert_eq!(body.message(), Some("Field required"));
    assert_eq!(body.code(), None);
    let Some(Detail::Issues(issues)) = body.detail else {
        panic!("issues expected")
    };
    assert_eq!(issues[0].loc, ["body", "source", "url"]);
}
