//! The package's one error type and the one place JS errors are converted.

use js_sys::{Object, Reflect};
use overshoot_protocol::ErrorKind;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `String(value)`: text for a thrown primitive (a number, a symbol) without
    /// wasm-bindgen's larger `Debug` formatting of JS values.
    #[wasm_bindgen(js_name = String)]
    fn js_string(value: &JsValue) -> String;
}

/// A failure with a kind (its JS `name`), a message, and the HTTP facts when there
/// are any (its fields, [`ErrorData`], are read through `Deref`). Never holds the API
/// key: messages are built from URLs without it and from server or browser texts.
///
/// Boxed: a `Result<_, SdkError>` then stays one pointer wide, so every `?` moves a
/// pointer instead of the whole record (−5.7 KB gzip of wasm).
#[derive(Clone, Debug)]
pub struct SdkError(Box<ErrorData>);

/// What an [`SdkError`] holds.
#[derive(Clone, Debug)]
pub struct ErrorData {
    /// Which failure; `kind.name()` is the JS `Error.name`.
    pub kind: ErrorKind,
    /// Human-readable text.
    pub message: String,
    /// HTTP status, when the failure is an HTTP answer.
    pub status: Option<u16>,
    /// The server's `request_id`, when it sent one.
    pub request_id: Option<String>,
    /// The server's `details` (or `detail`), or a field name for validation errors.
    pub details: JsValue,
    /// The underlying JS error (e.g. the `DOMException` of getUserMedia).
    pub cause: JsValue,
    /// The server's machine code (v1beta: `stream_not_found`, `billing_denied`, …).
    pub code: Option<String>,
}

impl std::ops::Deref for SdkError {
    type Target = ErrorData;
    fn deref(&self) -> &ErrorData {
        &self.0
    }
}

impl std::ops::DerefMut for SdkError {
    fn deref_mut(&mut self) -> &mut ErrorData {
        &mut self.0
    }
}

impl SdkError {
    /// An error of `kind` with `message` and nothing else.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        SdkError(Box::new(ErrorData {
            kind,
            message: message.into(),
            status: None,
            request_id: None,
            details: JsValue::UNDEFINED,
            cause: JsValue::UNDEFINED,
            code: None,
        }))
    }

    /// A `ValidationError` naming `field`; `details` is `{field}`.
    pub fn validation(field: &str, message: &str) -> Self {
        let details = Object::new();
        let _ = Reflect::set(&details, &"field".into(), &field.into());
        let mut error = SdkError::new(ErrorKind::Validation, format!("{field} {message}"));
        error.details = details.into();
        error
    }

    /// Wraps a JS exception or rejection as `kind`, keeping its `name` and `message`
    /// in the text and the original value as `cause`.
    pub fn from_js(kind: ErrorKind, context: &str, err: JsValue) -> Self {
        let described = describe(&err);
        let text = if described.is_empty() {
            context.to_string()
        } else {
            format!("{context}: {described}")
        };
        let mut error = SdkError::new(kind, text);
        error.cause = err;
        error
    }

    /// A failure thrown by the package's own JS (`js/sources.js`, `js/livekit.js`) as
    /// `{sdkErrorName, message, cause, details}`, as the typed error it names; anything
    /// else thrown (a browser exception, a bug) becomes a `MediaError` keeping it as
    /// `cause`, with `context` as the message.
    pub fn from_tagged(value: JsValue, context: &str) -> Self {
        let field = |key: &str| Reflect::get(&value, &key.into()).unwrap_or(JsValue::UNDEFINED);
        let kind = field("sdkErrorName")
            .as_string()
            .and_then(|name| ErrorKind::from_name(&name));
        let Some(kind) = kind else {
            return SdkError::from_js(ErrorKind::Media, context, value);
        };
        let message = field("message").as_string().unwrap_or_default();
        let cause = field("cause");
        let described = describe(&cause);
        let text = if described.is_empty() {
            message
        } else {
            format!("{message} ({described})")
        };
        let mut error = SdkError::new(kind, text);
        error.cause = cause;
        error.details = field("details");
        error
    }

    /// The `name` of the underlying JS error, if any (e.g. `NotAllowedError`).
    pub fn cause_name(&self) -> String {
        js_name_and_message(&self.cause).0
    }

    /// Builds the JS error apps receive: an instance of the exported class named
    /// `kind.name()` (a subclass of `OvershootError`, itself an `Error`) with
    /// `status`, `requestId`, `details`, `cause` and, when the server sent one, `code`.
    pub fn to_js(&self) -> JsValue {
        let status = self
            .status
            .map_or(JsValue::UNDEFINED, |s| JsValue::from(f64::from(s)));
        let request_id = self
            .request_id
            .as_deref()
            .map_or(JsValue::UNDEFINED, JsValue::from_str);
        let error = super::runtime::make_error(
            self.kind.name(),
            &self.message,
            status,
            request_id,
            &self.details,
            &self.cause,
        );
        if let Some(code) = &self.code {
            // Cannot fail on the fresh error object.
            let _ = Reflect::set(&error, &"code".into(), &code.into());
        }
        error
    }
}

impl From<SdkError> for JsValue {
    fn from(e: SdkError) -> JsValue {
        e.to_js()
    }
}

impl std::fmt::Display for SdkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

/// `name: message` of a thrown JS value, or whichever of the two it has, or nothing.
fn describe(err: &JsValue) -> String {
    let (mut text, message) = js_name_and_message(err);
    if !text.is_empty() && !message.is_empty() {
        text.push_str(": ");
    }
    text.push_str(&message);
    text
}

/// `name` and `message` of any thrown JS value (Error, DOMException, string, other).
pub fn js_name_and_message(err: &JsValue) -> (String, String) {
    if let Some(text) = err.as_string() {
        return (String::new(), text);
    }
    if err.is_object() {
        let get = |key: &str| {
            Reflect::get(err, &key.into())
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default()
        };
        return (get("name"), get("message"));
    }
    if err.is_undefined() || err.is_null() {
        return (String::new(), String::new());
    }
    (String::new(), js_string(err))
}
