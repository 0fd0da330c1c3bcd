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
        .map(|e| (e.kind.name().to_string(), e.message))
}

#[wasm_bindgen_test]
fn a_valid_config_is_accepted_with_defaults() {
    assert_eq!(rejection(&base().into()), None);
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
            "inference.max_output_tokens must be at most 128 per second",
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
