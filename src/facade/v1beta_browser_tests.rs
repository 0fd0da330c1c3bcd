//! The generation follows `apiUrl`, and the v1beta-only options and calls say so when
//! used with the streams API (`wasm-bindgen-test`, headless browsers).

use super::config::read_session_config;
use super::RealtimeVision;
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn config(api_url: &str, fields: &[(&str, JsValue)]) -> JsValue {
    let cfg = Object::new();
    let mut all = vec![
        ("apiKey", JsValue::from_str("k")),
        ("apiUrl", JsValue::from_str(api_url)),
        ("onResult", Function::new_no_args("").into()),
    ];
    all.extend(fields.iter().cloned());
    for (key, value) in all {
        let _ = Reflect::set(&cfg, &key.into(), &value);
    }
    cfg.into()
}

fn rejection(cfg: &JsValue) -> Option<String> {
    read_session_config(cfg).err().map(|e| e.message.clone())
}

const V1BETA: &str = "http://127.0.0.1:1/v1beta";
const STREAMS: &str = "http://127.0.0.1:1/v1";

#[wasm_bindgen_test]
fn the_base_path_selects_the_generation_and_v1beta_needs_no_prompt() {
    let v1beta = read_session_config(&config(V1BETA, &[])).map(|c| c.v1beta.is_some());
    assert_eq!(v1beta.ok(), Some(true));
    let trailing = read_session_config(&config("http://127.0.0.1:1/v1beta/", &[]));
    assert!(trailing.is_ok_and(|c| c.v1beta.is_some_and(|o| o.prompt.is_none())));
    let prompt = ("prompt", JsValue::from_str("p"));
    let streams = read_session_config(&config(STREAMS, &[prompt.clone()]));
    assert!(streams.is_ok_and(|c| c.v1beta.is_none()));
    assert_eq!(
        rejection(&config(STREAMS, &[])).as_deref(),
        Some("prompt is required and must be a non-empty string")
    );
    let with_partials = config(
        V1BETA,
        &[prompt, ("onPartial", Function::new_no_args("").into())],
    );
    let options = read_session_config(&with_partials)
        .ok()
        .and_then(|c| c.v1beta);
    assert!(options.is_some_and(|o| o.stream && o.prompt.as_deref() == Some("p")));
}

#[wasm_bindgen_test]
fn options_of_one_generation_are_refused_with_the_other() {
    let cases = [
        (
            config(
                STREAMS,
                &[("prompt", "p".into()), ("stream", JsValue::TRUE)],
            ),
            "stream needs a v1beta apiUrl",
        ),
        (
            config(
                STREAMS,
                &[
                    ("prompt", "p".into()),
                    ("onPartial", Function::new_no_args("").into()),
                ],
            ),
            "onPartial needs a v1beta apiUrl",
        ),
        (
            config(V1BETA, &[("transport", "webrtc".into())]),
            "transport must be \"livekit\"",
        ),
        (config(V1BETA, &[("prompt", "".into())]), "prompt"),
    ];
    for (cfg, expected) in cases {
        let got = rejection(&cfg);
        assert!(
            got.as_deref().is_some_and(|m| m.starts_with(expected)),
            "{expected}: {got:?}"
        );
    }
    let mut app_room = Object::new();
    let _ = Reflect::set(&app_room, &"type".into(), &"livekit".into());
    let _ = Reflect::set(&app_room, &"url".into(), &"wss://x".into());
    let _ = Reflect::set(&app_room, &"token".into(), &"t".into());
    let got = rejection(&config(
        V1BETA,
        &[("source", std::mem::take(&mut app_room).into())],
    ));
    assert!(got.is_some_and(|m| m.contains("v1beta makes the room")));
}

async fn rejected(promise: js_sys::Promise) -> JsValue {
    match JsFuture::from(promise).await {
        Ok(v) => panic!("expected a rejection, got {v:?}"),
        Err(e) => e,
    }
}

fn text(error: &JsValue, key: &str) -> Option<String> {
    Reflect::get(error, &key.into())
        .ok()
        .and_then(|v| v.as_string())
}

#[wasm_bindgen_test]
async fn per_question_calls_are_typed_errors_with_the_streams_api() -> Result<(), JsValue> {
    let vision = RealtimeVision::new(config(STREAMS, &[("prompt", "p".into())]))?;
    for promise in [
        vision.ask("what colour?".into(), None),
        vision.get_status(),
        vision.viewer_token(),
    ] {
        let error = rejected(promise).await;
        assert_eq!(text(&error, "name").as_deref(), Some("ValidationError"));
        assert_eq!(text(&error, "code").as_deref(), Some("unsupported_by_api"));
        assert!(text(&error, "message").is_some_and(|m| m.contains("needs a v1beta apiUrl")));
    }
    // v1beta, before start(): a ValidationError that says to start first.
    let vision = RealtimeVision::new(config(V1BETA, &[]))?;
    let error = rejected(vision.ask("what colour?".into(), None)).await;
    assert!(text(&error, "message").is_some_and(|m| m.contains("call start() first")));
    let error = rejected(vision.get_status()).await;
    assert_eq!(text(&error, "code"), None);
    Ok(())
}
