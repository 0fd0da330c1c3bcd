//! The browser's `JSON`, called on `JsValue`s so text never round-trips through wasm,
//! and the request bodies built as a JS object from the core's field tree (no serde
//! serializer in the wasm build).

use super::error::SdkError;
use js_sys::{Object, Reflect};
use overshoot_protocol::body::Json;
use overshoot_protocol::ErrorKind;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;
}

/// `JSON.parse(text)`; a syntax error becomes an `ApiError`.
pub fn parse(text: &JsValue) -> Result<JsValue, SdkError> {
    json_parse(text).map_err(|e| SdkError::from_js(ErrorKind::Api, "malformed JSON", e))
}

/// `JSON.stringify(value)` as a JS string; cycles and BigInts become a `ValidationError`.
pub fn stringify(value: &JsValue) -> Result<JsValue, SdkError> {
    json_stringify(value)
        .map_err(|e| SdkError::from_js(ErrorKind::Validation, "value is not JSON-serialisable", e))
}

/// A plain JS value from the core's field tree; the app's schema object is passed
/// through untouched (`JSON.stringify` checks it when the body is sent).
pub fn to_js(json: &Json<'_, JsValue>) -> JsValue {
    match json {
        Json::Str(s) => JsValue::from_str(s),
        Json::Num(n) => JsValue::from_f64(*n),
        Json::Schema(schema) => (*schema).clone(),
        Json::Bool(b) => JsValue::from_bool(*b),
        Json::Arr(items) => items.iter().map(to_js).collect::<js_sys::Array>().into(),
        Json::Obj(fields) => {
            let object = Object::new();
            for (key, value) in fields {
                // Cannot fail on a fresh plain object.
                let _ = Reflect::set(&object, &JsValue::from_str(key), &to_js(value));
            }
            object.into()
        }
    }
}
