//! Config reading in a real browser: wrong JS types are `ValidationError`s naming the
//! field, never panics or silent coercions.

use super::config::read_session_config;
use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn base() -> Object {
    let cfg = Object::new();
    let set = |k: &str, v: JsValue| Reflect::set(&cfg, &k.into(), &v).map(|_| ());
    let _ = set("apiKey", "k".into());
    let _ = set("apiUrl", "http://127.0.0.1:1".into());
    let _ = set("prompt", "p".into());
    let _ = set("onResult", Function::new_no_args("").into());
    cfg
}

fn with(key: &str, value: JsValue) -> JsValue {
    let cfg = base();
    let _ = Reflect::set(&cfg, &key.into(), &value);
    cfg.into()
}

fn processing(key: &str, value: JsValue) -> JsValue {
    let p = Object::new();
    let _ = Reflect::set(&p, &key.into(), &value);
    with("processing", p.into())
}

/// The error's name and message, or `None` when the config was accepted.
fn rejection(cfg: &JsValue) -> Option<(String, String)> {
    read_session_config(cfg)
        .err()
        .map(|e| (e.kind.name().to_string(), e.message.clone()))
}

#[wasm_bindgen_test]
fn a_valid_config_is_accepted_with_defaults() {
    assert_eq!(rejection(&base().into()), None);
}

#[wasm_bindgen_test]
fn an_api_key_is_trimmed_of_surrounding_whitespace() -> Result<(), JsValue> {
    let config = read_session_config(&with("apiKey", JsValue::from_str("  sk-1\n")))?;
    assert_eq!(config.http.api_key(), "sk-1");
    Ok(())
}

#[wasm_bindgen_test]
fn wrong_types_are_validation_errors_naming_the_field() {
    let cases: Vec<(JsValue, &str)> = vec![
        (JsValue::NULL, "config must be an object (got null)"),
        (
            JsValue::from_str("x"),
            "config must be an object (got string)",
        ),
        (
            Array::new().into(),
            "config must be an object (got an array)",
        ),
        (
            with("apiKey", JsValue::NULL),
            "apiKey must be a string (got null)",
        ),
        (
            with("apiKey", JsValue::from_f64(5.0)),
            "apiKey must be a string (got number)",
        ),
        (
            with("apiKey", JsValue::from_str("sk-\u{200b}abc")),
            "apiKey may hold visible ASCII characters only (character 4 is not",
        ),
        (
            with("apiKey", JsValue::from_str("sk-ab\ncd")),
            "apiKey may hold visible ASCII characters only (character 6 is not",
        ),
        (
            with("apiUrl", JsValue::from_str("http://[::1")),
            "apiUrl has an IPv6 host without its closing ]",
        ),
        (
            with("prompt", JsValue::from_str("  ")),
            "prompt is required",
        ),
        (
            with("onResult", JsValue::from_str("f")),
            "onResult must be a function (got string)",
        ),
        (
            processing("target_fps", JsValue::from_str("6")),
            "processing.target_fps must be a number (got string)",
        ),
        (
            processing("target_fps", JsValue::from_f64(f64::NAN)),
            "processing.target_fps must be a finite number",
        ),
        (
            processing("delay_seconds", JsValue::from_f64(f64::INFINITY)),
            "processing.delay_seconds must be a finite number",
        ),
        (
            processing("target_fps", JsValue::from_f64(31.0)),
            "processing.target_fps must be between 1 and 30",
        ),
        (
            with("processing", Array::new().into()),
            "processing must be an object (got an array)",
        ),
        (
            with("maxOutputTokens", JsValue::from_f64(1.5)),
            "maxOutputTokens must be a positive integer",
        ),
        (
            with("maxOutputTokens", JsValue::from_f64(65.0)),
            "maxOutputTokens must be at most 128 per second",
        ),
        (
            with("mode", JsValue::from_str("video")),
            "mode must be one of clip, frame",
        ),
        (
            with("iceServers", JsValue::from_str("stun:x")),
            "iceServers must be an array (got string)",
        ),
        (
            with("apiUrl", JsValue::from_str("http://example.com")),
            "apiUrl http:// is only allowed for localhost",
        ),
        (
            with("source", JsValue::from_f64(1.0)),
            "source must be an object (got number)",
        ),
    ];
    for (cfg, expected) in cases {
        let got = rejection(&cfg);
        let (name, message) = got.clone().unwrap_or_default();
        assert_eq!(name, "ValidationError", "{expected}: {got:?}");
        assert!(
            message.starts_with(expected),
            "expected {expected:?}, got {message:?}"
        );
    }
}

#[wasm_bindgen_test]
fn the_api_key_never_appears_in_validation_messages() {
    let cfg = with("apiUrl", JsValue::from_str("ftp://secret-key-123"));
    let _ = Reflect::set(&cfg, &"apiKey".into(), &"secret-key-123-key".into());
    let (_, message) = rejection(&cfg).unwrap_or_default();
    assert!(!message.contains("secret-key-123-key"), "{message}");
}

fn parse(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap_or(JsValue::UNDEFINED)
}

#[wasm_bindgen_test]
fn wire_requests_of_wrong_types_name_the_wire_path() {
    use super::wire_request::read_wire_request;
    let cases = [
        (
            r#"{"inference":{"prompt":"p","model":"m"},"processing":{"target_fps":"6"}}"#,
            "processing.target_fps must be a number (got string)",
        ),
        (
            r#"{"inference":{"prompt":"p","model":"m"},"source":{"type":"rtmp"}}"#,
            "source.type must be one of webrtc, livekit",
        ),
        (
            r#"{"inference":{"prompt":7,"model":"m"}}"#,
            "inference.prompt must be a string (got number)",
        ),
        (
            r#"{"inference":{"prompt":"p","model":"m","max_output_tokens":2.5}}"#,
            "inference.max_output_tokens must be a positive integer",
        ),
        (r#"{"processing":{}}"#, "inference is required"),
        (r#"[1,2]"#, "request must be an object (got an array)"),
    ];
    for (json, expected) in cases {
        let err = read_wire_request(&parse(json)).err();
        let message = err.as_ref().map(|e| e.message.clone()).unwrap_or_default();
        assert_eq!(
            err.map(|e| e.kind.name()),
            Some("ValidationError"),
            "{json}"
        );
        assert!(message.starts_with(expected), "{json}: {message}");
    }
    let ok = read_wire_request(&parse(
        r#"{"webrtc":{"type":"offer","sdp":"v=0"},"inference":{"prompt":"p","model":"m"}}"#,
    ));
    assert!(ok.is_ok());
}

#[wasm_bindgen_test]
fn malformed_server_answers_are_api_errors_and_tolerant_ones_parse() {
    use crate::platform::wire_response::{create_response, keepalive_response};
    let bad = [
        "null",
        r#"{"webrtc":{"sdp":"x"}}"#,
        r#"{"stream_id":"s","turn_servers":"turn:x"}"#,
        r#"{"stream_id":"s","turn_servers":[{"urls":[1]}]}"#,
    ];
    for json in bad {
        let err = create_response(&parse(json)).err();
        assert_eq!(
            err.as_ref().map(|e| e.kind.name()),
            Some("ApiError"),
            "{json}"
        );
        assert!(err
            .map(|e| e.message.clone())
            .unwrap_or_default()
            .starts_with("malformed create-stream response"));
    }
    let ok = create_response(&parse(
        r#"{"stream_id":"s","webrtc":{"type":"answer","sdp":"v=0"},"lease":{"ttl_seconds":30},"turn_servers":[{"urls":"turn:a"},{"urls":["stun:b"],"username":"u","credential":"c"}],"livekit":null,"extra":1}"#,
    ));
    let ok = ok.ok().map(|r| {
        (
            r.stream_id,
            r.lease.map(|l| l.ttl_seconds),
            r.turn_servers.map(|t| t.len()),
        )
    });
    assert_eq!(ok, Some(("s".to_string(), Some(30.0), Some(2))));
    // Servers write null for empty optional fields: absent, not malformed.
    let nulls = create_response(&parse(
        r#"{"stream_id":"s","webrtc":{"type":null,"sdp":"v=0"},"lease":{"ttl_seconds":null},"turn_servers":[{"urls":"stun:a","username":null,"credential":null}]}"#,
    ));
    let nulls = nulls.ok().map(|r| {
        (
            r.lease.is_none(),
            r.turn_servers.map(|t| t[0].username.is_none()),
        )
    });
    assert_eq!(nulls, Some((true, Some(true))));
    let keep_nulls = keepalive_response(&parse(
        r#"{"status":null,"stream_id":null,"ttl_seconds":null}"#,
    ));
    assert!(keep_nulls.is_ok());
    // A malformed answer that names its stream: the id is read so it can be deleted.
    let named = parse(r#"{"stream_id":"s-9","turn_servers":"turn:x"}"#);
    assert!(create_response(&named).is_err());
    assert_eq!(
        crate::platform::wire_response::stream_id_of(&named).as_deref(),
        Some("s-9")
    );
    assert_eq!(
        crate::platform::wire_response::stream_id_of(&parse("null")),
        None
    );
    let keep = keepalive_response(&parse(
        r#"{"status":"ok","stream_id":"s","ttl_seconds":12,"credits_remaining_cents":5}"#,
    ));
    assert_eq!(keep.ok().and_then(|k| k.ttl_seconds), Some(12.0));
}
