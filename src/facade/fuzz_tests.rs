//! Randomised bad input, in a real browser: thousands of random JS values as config,
//! wire requests and server answers. Every one must end in `Ok` or a typed error —
//! a panic would abort the wasm instance and fail the test run.

use super::config::read_session_config;
use super::wire_request::read_wire_request;
use crate::platform::runtime::parse_result;
use crate::platform::wire_response::{create_response, keepalive_response};
use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const KEYS: [&str; 30] = [
    "apiKey",
    "apiUrl",
    "prompt",
    "model",
    "backend",
    "mode",
    "processing",
    "clipProcessing",
    "frameProcessing",
    "outputSchema",
    "maxOutputTokens",
    "iceServers",
    "requestId",
    "debug",
    "onResult",
    "onError",
    "onStateChange",
    "source",
    "requestTimeoutMs",
    "allowInsecureHttp",
    "target_fps",
    "interval_seconds",
    "stream_id",
    "webrtc",
    "lease",
    "turn_servers",
    "urls",
    "inference",
    "ok",
    "result",
];

fn random_string(rng: &mut Rng) -> String {
    let pool = [
        "",
        " ",
        "clip",
        "frame",
        "camera",
        "stream",
        "http://127.0.0.1:1",
        "https://x",
        "\u{0}\u{1b}[31m",
        "ü🎥",
        "webrtc",
        "livekit",
        "6",
    ];
    let mut s = pool[rng.below(pool.len() as u64) as usize].to_string();
    if rng.below(4) == 0 {
        s.push_str(&"x".repeat(rng.below(5000) as usize));
    }
    s
}

fn random_value(rng: &mut Rng, depth: u32) -> JsValue {
    match rng.below(if depth > 6 { 9 } else { 12 }) {
        0 => JsValue::UNDEFINED,
        1 => JsValue::NULL,
        2 => JsValue::from_bool(rng.below(2) == 0),
        3 => {
            let specials = [
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                -0.0,
                1e308,
                -1.0,
                0.5,
                6.0,
                30.0,
                4294967296.0,
            ];
            JsValue::from_f64(specials[rng.below(specials.len() as u64) as usize])
        }
        4 => JsValue::from_f64((rng.next() as f64) / 1e15 - 5000.0),
        5 | 6 => JsValue::from_str(&random_string(rng)),
        7 => Function::new_no_args("").into(),
        8 => JsValue::bigint_from_str("12345678901234567890"),
        9 => {
            let a = Array::new();
            for _ in 0..rng.below(4) {
                a.push(&random_value(rng, depth + 1));
            }
            a.into()
        }
        _ => random_object(rng, depth + 1).into(),
    }
}

fn random_object(rng: &mut Rng, depth: u32) -> Object {
    let o = Object::new();
    for _ in 0..rng.below(8) {
        let key = KEYS[rng.below(KEYS.len() as u64) as usize];
        let _ = Reflect::set(&o, &key.into(), &random_value(rng, depth));
    }
    o
}

#[wasm_bindgen_test]
fn thousands_of_random_configs_give_ok_or_a_typed_error() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut rejected = 0;
    for _ in 0..3000 {
        let value: JsValue = if rng.below(5) == 0 {
            random_value(&mut rng, 0)
        } else {
            random_object(&mut rng, 0).into()
        };
        if let Err(e) = read_session_config(&value) {
            assert!(!e.message.is_empty());
            assert_eq!(e.kind.name(), "ValidationError", "{}", e.message);
            rejected += 1;
        }
        let _ = read_wire_request(&value);
    }
    assert!(
        rejected > 2500,
        "random configs are mostly invalid: {rejected}"
    );
}

#[wasm_bindgen_test]
fn thousands_of_random_server_answers_never_panic() {
    let mut rng = Rng(0x5eed_1234_abcd_0002);
    for _ in 0..3000 {
        let value: JsValue = if rng.below(4) == 0 {
            random_value(&mut rng, 0)
        } else {
            random_object(&mut rng, 0).into()
        };
        if let Err(e) = create_response(&value) {
            assert_eq!(e.kind.name(), "ApiError", "{}", e.message);
        }
        let _ = keepalive_response(&value);
        let text = js_sys::JSON::stringify(&value)
            .ok()
            .map(JsValue::from)
            .unwrap_or(value);
        let _ = parse_result(&text);
    }
}
