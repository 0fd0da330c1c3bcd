//! The v1beta readers on bodies parsed by the browser's own `JSON.parse`, every shape
//! the spec documents (§6, §10, §16) included (`wasm-bindgen-test`, headless browsers).

use super::json;
use super::v1beta_wire::*;
use js_sys::Reflect;
use overshoot_protocol::v1beta::answer::ResultContext;
use overshoot_protocol::v1beta::errors::classify;
use overshoot_protocol::{ErrorKind, Mode};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn parse(text: &str) -> JsValue {
    match json::parse(&text.into()) {
        Ok(value) => value,
        Err(e) => panic!("test JSON does not parse: {e}"),
    }
}

fn field(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

#[wasm_bindgen_test]
fn every_error_shape_gives_its_code_and_kind() {
    let chat = envelope(&parse(
        r#"{"detail": {"error": {"message": "Stream not found: s", "type": "stream_error", "code": "stream_not_found", "upstream": null, "extra": 1}}}"#,
    ));
    assert_eq!(chat.code(), Some("stream_not_found"));
    assert_eq!(chat.message(), Some("Stream not found: s"));
    assert_eq!(classify(404, Some(&chat)), ErrorKind::NotFound);
    let billing = envelope(&parse(
        r#"{"detail": {"error": {"message": "no balance", "type": "billing_error", "code": "billing_denied"}}}"#,
    ));
    assert_eq!(
        classify(402, Some(&billing)),
        ErrorKind::InsufficientCredits
    );

    let region = envelope(&parse(
        r#"{"detail": {"error": "region_error", "expected_region": "us-west1", "requested_region": null}}"#,
    ));
    assert!(region.is_region_error());
    assert_eq!(region.expected_region(), Some("us-west1"));

    let validation = envelope(&parse(
        r#"{"error": "validation_error", "message": "Request validation failed", "details": [{"loc": ["body", "model"], "msg": "field required", "type": "missing"}]}"#,
    ));
    assert_eq!(validation.code(), Some("validation_error"));
    assert_eq!(classify(422, Some(&validation)), ErrorKind::Validation);

    let plain = envelope(&parse(r#"{"detail": "Invalid API key"}"#));
    assert_eq!(
        (plain.code(), plain.message()),
        (None, Some("Invalid API key"))
    );
    assert_eq!(classify(401, Some(&plain)), ErrorKind::Unauthorized);

    let fastapi = envelope(&parse(
        r#"{"detail": [{"loc": ["body"], "msg": "bad body", "type": "x"}]}"#,
    ));
    assert_eq!(fastapi.message(), Some("bad body"));
    // An unknown code falls back to the status.
    let unknown = envelope(&parse(
        r#"{"detail": {"error": {"message": "?", "type": "x", "code": "brand_new_code"}}}"#,
    ));
    assert_eq!(classify(503, Some(&unknown)), ErrorKind::Server);
}

#[wasm_bindgen_test]
fn a_json_answer_reads_into_one_answer_ignoring_unknown_fields() {
    let answer = completion(&parse(
        r#"{"id": "c1", "object": "chat.completion", "created": 1777530304, "model": "m", "novel": {"x": 1},
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Plaid robe."}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 307, "completion_tokens": 9, "total_tokens": 316},
            "overshoot": {"cache": {"thread_id": "t", "cache_hit": true, "cached_input_tokens": 256}}}"#,
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (answer.id.as_str(), answer.text.as_str()),
        ("c1", "Plaid robe.")
    );
    assert_eq!(answer.finish_reason.as_deref(), Some("stop"));
    assert_eq!(answer.usage.map(|u| u.total_tokens), Some(316));
    let cache = answer.cache.unwrap_or_default();
    assert!(cache.cache_hit && cache.cached_input_tokens == 256);
    // Tool-call-only answers have `content: null`; no `choices` is malformed.
    let tools = completion(&parse(
        r#"{"id": "c2", "choices": [{"index": 0, "message": {"role": "assistant", "content": null}, "finish_reason": "tool_calls"}]}"#,
    ));
    assert_eq!(tools.map(|a| a.text).ok().as_deref(), Some(""));
    let error = completion(&parse(r#"{"id": "c3"}"#)).err().map(|e| e.kind);
    assert_eq!(error, Some(ErrorKind::Api));
}

#[wasm_bindgen_test]
fn chunks_need_none_of_openais_fields() {
    let bare = chunk(&parse(
        r#"{"choices": [{"delta": {"content": "Re"}, "finish_reason": null}]}"#,
    ));
    assert_eq!(bare.id, None);
    assert_eq!(bare.choices[0].delta.content.as_deref(), Some("Re"));
    let last = chunk(&parse(
        r#"{"id": "x", "object": "chat.completion.chunk", "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}"#,
    ));
    assert!(last.choices.is_empty());
    assert_eq!(last.usage.map(|u| u.completion_tokens), Some(2));
}

#[wasm_bindgen_test]
fn stream_answers_accept_both_documented_forms() {
    let livekit = created(&parse(
        r#"{"id": "s1", "state": "active", "publish": {"type": "livekit", "url": "wss://lk", "token": "jwt"}, "expires_at_ms": 1, "ttl_seconds": 300}"#,
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let publish = livekit.publish.unwrap_or_else(|| panic!("no publish"));
    assert_eq!(
        (
            livekit.id.as_str(),
            publish.url.as_str(),
            livekit.ttl_seconds
        ),
        ("s1", "wss://lk", 300.0)
    );
    let camera = created(&parse(
        r#"{"id": "s2", "state": "active", "source": {"type": "rtsp"}, "publish": null, "expires_at_ms": 1, "ttl_seconds": 300}"#,
    ));
    assert!(camera.is_ok_and(|c| c.publish.is_none()));
    let old_api = created(&parse(r#"{"stream_id": "old-api"}"#))
        .err()
        .map(|e| e.message.clone());
    assert!(old_api.is_some_and(|m| m.contains("speaks the streams API")));
    assert_eq!(
        stream_id_of(&parse(r#"{"id": "s3", "publish": 5}"#)).as_deref(),
        Some("s3")
    );

    let (ttl, token) = keepalive(&parse(
        r#"{"id": "s1", "expires_at_ms": 2, "ttl_seconds": 300, "stream_time_ms": 12480.0, "publish": {"type": "livekit", "url": "wss://lk", "token": "fresh"}}"#,
    ));
    assert_eq!((ttl, token.as_deref()), (Some(300.0), Some("fresh")));

    // §6: before the first frame every `*_at_ms` is null (or missing).
    assert!(!has_frames(&parse(
        r#"{"id": "s1", "state": "active", "last_frame_at_ms": null}"#
    )));
    assert!(!has_frames(&parse(r#"{"id": "s1", "state": "active"}"#)));
    assert!(has_frames(&parse(
        r#"{"id": "s1", "state": "active", "last_frame_at_ms": 1785895207840}"#
    )));
    assert_eq!(ended(&parse(r#"{"id": "s1", "state": "active"}"#)), None);
    assert_eq!(
        ended(&parse(
            r#"{"id": "s1", "state": "ended", "end_reason": "reaped"}"#
        ))
        .as_deref(),
        Some("reaped")
    );
}

#[wasm_bindgen_test]
fn answers_become_results_of_the_streams_api_shape() {
    let answer = completion(&parse(
        r#"{"id": "c1", "choices": [{"index": 0, "message": {"role": "assistant", "content": "{\"colour\":\"red\"}"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}}"#,
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let context = ResultContext {
        stream_id: "s1".into(),
        mode: Mode::Frame,
        model: "m".into(),
        prompt: "colour?".into(),
        latency_ms: 42.0,
    };
    let result = result_object(&answer, &context, false);
    assert_eq!(field(&result, "ok"), JsValue::TRUE);
    assert_eq!(
        field(&result, "result").as_string().as_deref(),
        Some("{\"colour\":\"red\"}")
    );
    assert_eq!(field(&result, "mode").as_string().as_deref(), Some("frame"));
    assert_eq!(field(&result, "total_latency_ms").as_f64(), Some(42.0));
    assert_eq!(
        field(&field(&result, "usage"), "total_tokens").as_f64(),
        Some(9.0)
    );
    assert!(field(&result, "partial").is_undefined());
    assert_eq!(
        field(&result_object(&answer, &context, true), "partial"),
        JsValue::TRUE
    );
}
