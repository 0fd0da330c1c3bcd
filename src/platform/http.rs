//! HTTP calls to the streams API (the browser's `fetch`), with Bearer auth and JSON
//! in and out. Bodies are encoded and decoded by the browser's `JSON`, not in wasm.

use super::credential::{Credential, REFRESH_WITHIN_SECONDS};
use super::error::SdkError;
use super::json;
use super::timer::{sleep, Timer};
use js_sys::{Object, Promise, Reflect};
use overshoot_protocol::endpoints::BaseUrl;
use overshoot_protocol::ErrorKind;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Response};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`: the same binding in a window and in a worker. (gloo-net's
    /// request builder did this plus `http::Method` and error conversions for 2.6 KB
    /// gzip more.)
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str, init: &Object) -> Promise;
}

/// A fetch's `init` with `method` and the Bearer header, and its `headers`: plain
/// objects (`RequestInit` is a dictionary and `headers` may be a record,
/// https://fetch.spec.whatwg.org/#requestinit), so no `Headers` or `RequestInit`
/// bindings in the wasm and the glue.
fn request_init(method: &str, key: &str) -> (Object, Object) {
    let headers = Object::new();
    set(&headers, "Authorization", &format!("Bearer {key}").into());
    let init = Object::new();
    set(&init, "method", &method.into());
    set(&init, "headers", &headers);
    (init, headers)
}

/// `target[key] = value`; cannot fail on a fresh plain object.
fn set(target: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &key.into(), value);
}

/// A configured API endpoint: base URL and credential. Cheap to clone; clones share
/// the credential, so a refreshed token serves every later call.
#[derive(Clone)]
pub struct ApiHttp {
    base: BaseUrl,
    credential: Credential,
    timeout_ms: u32,
}

/// Pauses before the second and third DELETE of a stream.
const RETRY_DELETE_AFTER_MS: [u32; 2] = [300, 1_200];

/// How long a call may take before it is aborted, unless the app sets `requestTimeoutMs`.
pub const DEFAULT_TIMEOUT_MS: u32 = 20_000;

impl std::fmt::Debug for ApiHttp {
    // The key is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiHttp")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl ApiHttp {
    /// An endpoint at `base` authenticated with `credential`; calls are aborted after
    /// `timeout_ms`.
    pub fn new(base: BaseUrl, credential: Credential, timeout_ms: u32) -> Self {
        ApiHttp {
            base,
            credential,
            timeout_ms,
        }
    }

    /// The same endpoint with calls aborted after `timeout_ms` instead.
    pub fn with_timeout(&self, timeout_ms: u32) -> ApiHttp {
        ApiHttp {
            timeout_ms,
            ..self.clone()
        }
    }

    /// The configured request timeout.
    pub fn timeout_ms(&self) -> u32 {
        self.timeout_ms
    }

    /// The base URL.
    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    /// The key or token now held, for the results socket's first message only.
    pub(crate) fn api_key(&self) -> String {
        self.credential.current()
    }

    /// The credential, for a fresh token after the results socket's 1008.
    pub(crate) fn credential(&self) -> &Credential {
        &self.credential
    }

    /// `POST /streams` with an already-built JSON body object.
    pub async fn create_stream(&self, body: &JsValue) -> Result<JsValue, SdkError> {
        let url = self.base.streams();
        self.send("POST", &url, Some(body)).await
    }

    /// `POST /streams/{id}/keepalive`, with a fresh token first when the current one
    /// expires within a minute.
    pub async fn renew_lease(&self, stream_id: &str) -> Result<JsValue, SdkError> {
        let url = self.base.keepalive(stream_id);
        self.call("POST", &url, None, true).await
    }

    /// `PATCH /streams/{id}/config/prompt` with `{prompt}`.
    pub async fn update_prompt(&self, stream_id: &str, prompt: &str) -> Result<JsValue, SdkError> {
        let url = self.base.prompt(stream_id);
        let body = js_sys::Object::new();
        let _ = Reflect::set(&body, &"prompt".into(), &prompt.into());
        self.send("PATCH", &url, Some(&body.into())).await
    }

    /// `DELETE /streams/{id}`.
    pub async fn close_stream(&self, stream_id: &str) -> Result<JsValue, SdkError> {
        let url = self.base.stream(stream_id);
        self.send("DELETE", &url, None).await
    }

    /// `DELETE /streams/{id}`, retried after 300 ms and 1.2 s when it fails for a
    /// reason that may pass (network, 5xx, 429): a stream whose DELETE is lost stays
    /// billed until its lease runs out. The last error is returned.
    pub async fn close_stream_reliably(&self, stream_id: &str) -> Result<(), SdkError> {
        let mut outcome = self.close_stream(stream_id).await;
        for delay_ms in RETRY_DELETE_AFTER_MS {
            match &outcome {
                Err(e) if e.kind.is_transient() => {
                    sleep(delay_ms).await;
                    outcome = self.close_stream(stream_id).await;
                }
                _ => break,
            }
        }
        outcome.map(|_| ())
    }

    /// `DELETE /streams/{id}` as a `keepalive` fetch, which the browser completes
    /// even while the page unloads. Fire and forget: nobody is left to read the answer.
    pub fn close_stream_on_unload(&self, stream_id: &str) {
        let (init, _) = request_init("DELETE", &self.api_key());
        // Supported by Chromium, Firefox 133+, Safari:
        // https://developer.mozilla.org/docs/Web/API/RequestInit#keepalive
        set(&init, "keepalive", &JsValue::TRUE);
        let _ = global_fetch(&self.base.stream(stream_id), &init);
    }

    /// `GET /models`.
    pub async fn get_models(&self) -> Result<JsValue, SdkError> {
        let url = self.base.models();
        self.send("GET", &url, None).await
    }

    /// One call; after a 401, once more with a fresh token when the app gave a function.
    async fn send(
        &self,
        method: &str,
        url: &str,
        body: Option<&JsValue>,
    ) -> Result<JsValue, SdkError> {
        self.call(method, url, body, false).await
    }

    /// [`Self::send`]; with `renewing`, the token is replaced first when it expires
    /// within a minute. One await site each for the refresh and the request keeps
    /// the state machine (and the wasm) small.
    async fn call(
        &self,
        method: &str,
        url: &str,
        body: Option<&JsValue>,
        renewing: bool,
    ) -> Result<JsValue, SdkError> {
        let credential = &self.credential;
        let refreshable = credential.refreshable();
        let mut refresh = refreshable
            && (credential.current().is_empty()
                || renewing && credential.expires_within(REFRESH_WITHIN_SECONDS));
        let mut retried = false;
        loop {
            let key = if refresh {
                credential.refresh().await?
            } else {
                credential.current()
            };
            match self.send_with(method, url, body, &key).await {
                Err(e) if e.status == Some(401) && refreshable && !retried => {
                    retried = true;
                    refresh = true;
                }
                outcome => return outcome,
            }
        }
    }

    async fn send_with(
        &self,
        method: &str,
        url: &str,
        body: Option<&JsValue>,
        key: &str,
    ) -> Result<JsValue, SdkError> {
        // Every call has a deadline: a hanging server must not hang start() or stop().
        let Sent {
            response: raw,
            aborter,
            deadline,
        } = fetch_json(method, url, body, key, None, self.timeout_ms).await?;
        let status = raw.status();
        // The deadline covers the body too: headers can arrive and the body stall.
        let body = match raw.text() {
            Ok(promise) => JsFuture::from(promise).await,
            Err(e) => Err(e),
        };
        let text = match body {
            Ok(text) => text,
            Err(_) if aborter.signal().aborted() => {
                return Err(SdkError::new(
                    ErrorKind::Network,
                    format!(
                        "request to {url} timed out after {} ms (reading the answer)",
                        self.timeout_ms
                    ),
                ))
            }
            Err(_) => JsValue::from_str(""),
        };
        drop(deadline);
        let parsed = if text.as_string().is_some_and(|t| !t.trim().is_empty()) {
            json::parse(&text).ok()
        } else {
            None
        };
        if (200..300).contains(&status) {
            return Ok(parsed.unwrap_or(JsValue::NULL));
        }
        Err(http_error(status, url, parsed.as_ref(), &text))
    }
}

/// A sent request: the answer (its body unread), the controller that aborts it and the
/// deadline that does so (dropping it cancels the deadline).
pub(crate) struct Sent {
    pub response: Response,
    pub aborter: AbortController,
    pub deadline: Timer,
}

/// One `fetch` of `method url` with `Authorization: Bearer key`, `header` (name, value)
/// if any, and `body` as JSON text (`JSON.stringify`); aborted after `timeout_ms`,
/// which covers reading the body too. No answer is a `NetworkError`.
pub(crate) async fn fetch_json(
    method: &str,
    url: &str,
    body: Option<&JsValue>,
    key: &str,
    header: Option<(&str, &str)>,
    timeout_ms: u32,
) -> Result<Sent, SdkError> {
    let aborter = AbortController::new()
        .map_err(|e| SdkError::from_js(ErrorKind::Network, "AbortController is unavailable", e))?;
    let on_deadline = aborter.clone();
    let deadline = Timer::once(timeout_ms, move || on_deadline.abort());
    let (init, headers) = request_init(method, key);
    if let Some((name, value)) = header {
        set(&headers, name, &value.into());
    }
    set(&init, "signal", &aborter.signal());
    if let Some(body) = body {
        set(&init, "body", &json::stringify(body)?);
        set(&headers, "Content-Type", &"application/json".into());
    }
    let response: Response = JsFuture::from(global_fetch(url, &init))
        .await
        .map_err(|e| {
            if aborter.signal().aborted() {
                timed_out(url, timeout_ms)
            } else {
                SdkError::from_js(ErrorKind::Network, &format!("request to {url} failed"), e)
            }
        })?
        .unchecked_into();
    Ok(Sent {
        response,
        aborter,
        deadline,
    })
}

/// The `NetworkError` of a call that hit its deadline.
pub(crate) fn timed_out(url: &str, timeout_ms: u32) -> SdkError {
    SdkError::new(
        ErrorKind::Network,
        format!("request to {url} timed out after {timeout_ms} ms"),
    )
}

/// The typed error of a non-2xx answer, from `{error, message, request_id, details}`
/// or `{detail}` bodies (or plain text).
fn http_error(status: u16, url: &str, body: Option<&JsValue>, text: &JsValue) -> SdkError {
    // Printed as a u32, as the other integers in messages: one integer formatter less
    // in the wasm (core's `Display` has one per type).
    let shown = u32::from(status);
    let kind = ErrorKind::from_status(status);
    let field = |k: &str| {
        body.and_then(|b| Reflect::get(b, &k.into()).ok())
            .filter(|v| !v.is_undefined() && !v.is_null())
    };
    let as_text = |v: &JsValue| {
        v.as_string()
            .or_else(|| json::stringify(v).ok().and_then(|s| s.as_string()))
    };
    let code = field("error").and_then(|v| v.as_string());
    let detail = field("detail");
    let details = field("details")
        .or_else(|| detail.clone())
        .unwrap_or(JsValue::UNDEFINED);
    let message = field("message")
        .and_then(|v| v.as_string())
        .or_else(|| detail.as_ref().and_then(as_text))
        .or_else(|| {
            if body.is_none() {
                text.as_string().filter(|t| !t.is_empty() && t.len() < 300)
            } else {
                None
            }
        })
        .unwrap_or_else(|| format!("HTTP {shown}"));
    let path = overshoot_protocol::endpoints::path_of(url);
    let message = match code {
        Some(code) => format!("{message} ({code}; HTTP {shown} from {path})"),
        None => format!("{message} (HTTP {shown} from {path})"),
    };
    let mut error = SdkError::new(kind, message);
    error.status = Some(status);
    error.request_id = field("request_id").and_then(|v| v.as_string());
    error.details = details;
    error
}
