//! The browser's `JSON`, called on `JsValue`s so text never round-trips through wasm.

use super::error::SdkError;
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

/// A JS value carried through serde untouched (e.g. `output_schema_json`), so the
/// request body never needs `serde_json` in the wasm build.
#[derive(Clone, Debug)]
pub struct JsJson(pub JsValue);

impl serde::Serialize for JsJson {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        serde_wasm_bindgen::preserve::serialize(&self.0, ser)
    }
}

impl<'de> serde::Deserialize<'de> for JsJson {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        serde_wasm_bindgen::preserve::deserialize(de).map(JsJson)
    }
}

/// Serialises a Rust value to a plain JS value (objects, not `Map`s).
pub fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, SdkError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| SdkError::new(ErrorKind::Validation, format!("cannot encode request: {e}")))
}
