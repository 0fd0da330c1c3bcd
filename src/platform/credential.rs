//! The credential the API calls carry: a fixed API key, or the app's `apiKey`
//! function returning a string or a Promise of one (a short-lived token from the app's
//! backend, e.g. for overshoot-gateway). The function is called before the first call,
//! again when a call gets 401 or the results socket closes with 1008, and before a
//! keepalive when the current token (a JWT) expires within 60 s. The value never
//! reaches a URL, a log line or an error message.

use super::error::SdkError;
use js_sys::{Function, Promise, Reflect};
use overshoot_protocol::ErrorKind;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// A token expiring within this many seconds is replaced before a keepalive.
pub const REFRESH_WITHIN_SECONDS: f64 = 60.0;

thread_local! {
    /// The raw-key warning is printed once per page.
    static WARNED: Cell<bool> = const { Cell::new(false) };
}

/// The key or token, shared by every clone of the [`super::http::ApiHttp`] that owns it.
#[derive(Clone)]
pub struct Credential(Rc<Inner>);

struct Inner {
    provider: Option<Function>,
    current: RefCell<String>,
}

impl Credential {
    /// A fixed key (already checked by [`check_value`]).
    pub fn fixed(key: String) -> Credential {
        warn_if_raw_key(&key);
        Credential(Rc::new(Inner {
            provider: None,
            current: RefCell::new(key),
        }))
    }

    /// The app's function, first called by the first API call.
    pub fn provider(function: Function) -> Credential {
        Credential(Rc::new(Inner {
            provider: Some(function),
            current: RefCell::new(String::new()),
        }))
    }

    /// Whether a fresh value can be asked for.
    pub fn refreshable(&self) -> bool {
        self.0.provider.is_some()
    }

    /// The value now held ("" before a provider's first call).
    pub fn current(&self) -> String {
        self.0.current.borrow().clone()
    }

    /// Asks the provider for a fresh value (a fixed key is returned as is).
    pub async fn refresh(&self) -> Result<String, SdkError> {
        let Some(provider) = &self.0.provider else {
            return Ok(self.current());
        };
        let failed =
            |e| SdkError::from_js(ErrorKind::Unauthorized, "the apiKey function failed", e);
        let value = provider.call0(&JsValue::UNDEFINED).map_err(failed)?;
        // A string, a Promise or any thenable: `Promise.resolve` takes all three.
        let value = JsFuture::from(Promise::resolve(&value))
            .await
            .map_err(failed)?;
        let key = value.as_string().ok_or_else(|| {
            SdkError::validation(
                "apiKey",
                "function must return a string or a Promise of one",
            )
        })?;
        let key = check_value(&key)?;
        if key.is_empty() {
            return Err(SdkError::validation(
                "apiKey",
                "function returned an empty string",
            ));
        }
        warn_if_raw_key(&key);
        *self.0.current.borrow_mut() = key.clone();
        Ok(key)
    }

    /// Whether the held value is a JWT whose `exp` is within `seconds` from now.
    pub fn expires_within(&self, seconds: f64) -> bool {
        jwt_exp(&self.current())
            .is_some_and(|exp| exp * 1000.0 - js_sys::Date::now() < seconds * 1000.0)
    }
}

/// A key or token, trimmed. It travels in an HTTP header, which carries visible ASCII
/// only: any other character (a pasted zero-width space, a smart quote, a line break
/// inside) is refused here rather than failing later inside `fetch`. The message never
/// shows the value.
pub fn check_value(key: &str) -> Result<String, SdkError> {
    let key = key.trim();
    match key.chars().position(|c| !c.is_ascii_graphic()) {
        None => Ok(key.to_string()),
        Some(at) => Err(SdkError::validation(
            "apiKey",
            &format!(
                "may hold visible ASCII characters only (character {} is not: check for a pasted space, quote or line break)",
                at + 1
            ),
        )),
    }
}

/// `exp` of a JWT's payload, read without verifying (only the server can).
fn jwt_exp(token: &str) -> Option<f64> {
    // Bytes, not `str` patterns: see `overshoot_protocol::endpoints::path_of`.
    let mut parts = token.as_bytes().split(|&b| b == b'.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    // base64url → base64; a non-ASCII byte stays invalid base64, and `atob` refuses it.
    let base64: String = payload
        .iter()
        .map(|&b| match b {
            b'-' => '+',
            b'_' => '/',
            b => char::from(b),
        })
        .collect();
    let atob = Reflect::get(&js_sys::global(), &"atob".into()).ok()?;
    let json = Function::from(atob)
        .call1(&JsValue::UNDEFINED, &base64.into())
        .ok()?;
    let claims = js_sys::JSON::parse(&json.as_string()?).ok()?;
    Reflect::get(&claims, &"exp".into()).ok()?.as_f64()
}

/// Warns once when a raw Overshoot key (`ovs-…`/`ovs_…`) is used from a page that is
/// not on localhost: every visitor can read it in DevTools.
fn warn_if_raw_key(key: &str) {
    if !(key.starts_with("ovs-") || key.starts_with("ovs_")) || WARNED.with(Cell::get) {
        return;
    }
    let host = Reflect::get(&js_sys::global(), &"location".into())
        .and_then(|l| Reflect::get(&l, &"hostname".into()))
        .ok()
        .and_then(|h| h.as_string())
        .unwrap_or_default();
    let local = matches!(
        host.as_str(),
        "localhost" | "127.0.0.1" | "[::1]" | "::1" | ""
    ) || host.ends_with(".localhost");
    if !local {
        WARNED.with(|w| w.set(true));
        web_sys::console::warn_1(&JsValue::from_str(
            "overshoot-wasm: apiKey looks like a raw Overshoot API key, and this page is not on localhost: every visitor can copy it. In production put overshoot-gateway in front of the API and give each user a short-lived token (README, section \"Production\").",
        ));
    }
}
