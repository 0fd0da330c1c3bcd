//! HTTP calls to the v1beta API (the browser's `fetch`, `http::fetch_json`): Bearer auth, the region header
//! remembered from the create answer and sent on every later call, the retry rules of
//! `overshoot_protocol::v1beta::retry` (a 409 `region_error` once in the expected
//! region, a 429 after its `retry-after` once, 503 and network errors with the
//! documented delays), every error body read into a typed error carrying its `code`.
//! Bodies are encoded and decoded by the browser's `JSON`; SSE answers are read piece
//! by piece from the response body (`textPieces` in `js/runtime-full.js`).

use super::error::SdkError;
use super::http::{fetch_json, timed_out, ApiHttp, Sent};
use super::json;
use super::runtime::text_pieces;
use super::timer::sleep;
use super::v1beta_wire::{chunk, completion, envelope};
use overshoot_protocol::v1beta::answer::{Answer, ChunkAccumulator};
use overshoot_protocol::v1beta::errors::classify;
use overshoot_protocol::v1beta::retry::{
    parse_retry_after, Call, Failure, Next, RegionMemory, RetryState, REGION_HEADER,
};
use overshoot_protocol::v1beta::sse::{SseDecoder, SseEvent};
use overshoot_protocol::ErrorKind;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// A v1beta endpoint: the streams API's base URL and credential, plus the region the
/// last answer named. Clones share the region.
#[derive(Clone, Debug)]
pub struct V1betaHttp {
    http: ApiHttp,
    region: Rc<RefCell<RegionMemory>>,
}

/// A 2xx answer whose body is still unread, and the deadline that covers reading it.
type Reply = Sent;

impl V1betaHttp {
    /// The v1beta API behind `http` (whose base path ends in `/v1beta`).
    pub fn new(http: ApiHttp) -> V1betaHttp {
        V1betaHttp {
            http,
            region: Rc::default(),
        }
    }

    /// `POST /streams` with `body` (`{}` for LiveKit publishing).
    pub async fn create_stream(&self, body: &JsValue) -> Result<JsValue, SdkError> {
        let url = self.http.base().streams();
        self.json(Call::Create, "POST", &url, Some(body)).await
    }

    /// `POST /streams/{id}/keepalive`.
    pub async fn keepalive(&self, id: &str) -> Result<JsValue, SdkError> {
        let url = self.http.base().keepalive(id);
        self.json(Call::Keepalive, "POST", &url, None).await
    }

    /// `GET /streams/{id}`: status and frame telemetry.
    pub async fn status(&self, id: &str) -> Result<JsValue, SdkError> {
        let url = self.http.base().stream(id);
        self.json(Call::Other, "GET", &url, None).await
    }

    /// `DELETE /streams/{id}`; a `404` (already deleted or expired) counts as done
    /// (§7, §16.14) and answers `null`.
    pub async fn delete(&self, id: &str) -> Result<JsValue, SdkError> {
        let url = self.http.base().stream(id);
        match self.json(Call::Other, "DELETE", &url, None).await {
            Err(e) if e.status == Some(404) => Ok(JsValue::NULL),
            outcome => outcome,
        }
    }

    /// `POST /streams/{id}/viewer-token`.
    pub async fn viewer_token(&self, id: &str) -> Result<JsValue, SdkError> {
        let url = self.http.base().viewer_token(id);
        self.json(Call::Other, "POST", &url, None).await
    }

    /// `GET /models` (the v1beta list shape).
    pub async fn models(&self) -> Result<JsValue, SdkError> {
        let url = self.http.base().models();
        self.json(Call::Other, "GET", &url, None).await
    }

    /// `POST /chat/completions` answered as JSON.
    pub async fn chat(&self, body: &JsValue) -> Result<JsValue, SdkError> {
        let url = self.http.base().chat_completions();
        self.json(Call::Chat, "POST", &url, Some(body)).await
    }

    /// `POST /chat/completions` with `stream: true`: `on_chunk` gets each chunk
    /// (parsed) and the answer's text so far whenever it grew; resolves with the
    /// whole answer at `[DONE]`. A server that answers JSON instead is read as JSON.
    pub async fn chat_stream(
        &self,
        body: &JsValue,
        on_chunk: &mut dyn FnMut(&JsValue, Option<&str>),
    ) -> Result<Answer, SdkError> {
        // Boxed and `dyn`: compiled once for its two callers (see `facade::promise`).
        let reading: Pin<Box<dyn Future<Output = _> + '_>> =
            Box::pin(self.read_stream(body, on_chunk));
        reading.await
    }

    async fn read_stream(
        &self,
        body: &JsValue,
        on_chunk: &mut dyn FnMut(&JsValue, Option<&str>),
    ) -> Result<Answer, SdkError> {
        let url = self.http.base().chat_completions();
        let reply = self.call(Call::Chat, "POST", &url, Some(body)).await?;
        let content_type = reply
            .response
            .headers()
            .get("content-type")
            .ok()
            .flatten()
            .unwrap_or_default();
        if !content_type.contains("text/event-stream") {
            return completion(&read_json(reply, &url).await?);
        }
        let failed =
            |e: JsValue| SdkError::from_js(ErrorKind::Network, "the streamed answer broke off", e);
        let pieces = text_pieces(&reply.response).map_err(failed)?;
        let mut decoder = SseDecoder::new();
        let mut answer = ChunkAccumulator::new();
        loop {
            let piece = JsFuture::from(pieces.next()).await.map_err(|e| {
                if reply.aborter.signal().aborted() {
                    timed_out(&url, self.http.timeout_ms())
                } else {
                    failed(e)
                }
            })?;
            let Some(text) = piece.as_string() else {
                return Err(SdkError::new(
                    ErrorKind::Network,
                    "the streamed answer ended before data: [DONE]",
                ));
            };
            for event in decoder.push(&text) {
                let data = match event {
                    SseEvent::Done => return Ok(answer.finish()),
                    SseEvent::Data(data) => json::parse(&data.into())?,
                };
                // Errors after the first byte are undocumented (§10.4): an error body
                // sent as a chunk is reported as what it says.
                let error = envelope(&data);
                if error.code().is_some() || error.detail.is_some() {
                    pieces.cancel();
                    return Err(typed_error(200, &url, Some(&data), error));
                }
                let grew = answer.push(chunk(&data)).is_some();
                on_chunk(&data, grew.then(|| answer.text()));
            }
        }
    }

    /// One call and its JSON answer (`null` for an empty body).
    async fn json(
        &self,
        call: Call,
        method: &str,
        url: &str,
        body: Option<&JsValue>,
    ) -> Result<JsValue, SdkError> {
        let reply = self.call(call, method, url, body).await?;
        read_json(reply, url).await
    }

    /// Sends the request until it succeeds or the retry rules give up; after a 401,
    /// once more with a fresh token when the app gave a function for `apiKey`. Boxed:
    /// one copy of the retry loop for every endpoint.
    fn call<'a>(
        &'a self,
        call: Call,
        method: &'a str,
        url: &'a str,
        body: Option<&'a JsValue>,
    ) -> Pin<Box<dyn Future<Output = Result<Reply, SdkError>> + 'a>> {
        Box::pin(self.call_with_retries(call, method, url, body))
    }

    async fn call_with_retries(
        &self,
        call: Call,
        method: &str,
        url: &str,
        body: Option<&JsValue>,
    ) -> Result<Reply, SdkError> {
        let credential = self.http.credential();
        let mut refresh = credential.refreshable() && credential.current().is_empty();
        let mut refreshed = false;
        let mut retry = RetryState::new();
        loop {
            let key = if refresh {
                refresh = false;
                credential.refresh().await?
            } else {
                credential.current()
            };
            let (status, reply) = match self.exchange(method, url, body, &key).await {
                Ok(sent) => sent,
                Err(error) => match retry.next(call, Failure::Network) {
                    Next::RetryAfterMs(ms) => {
                        sleep(ms).await;
                        continue;
                    }
                    _ => return Err(error),
                },
            };
            let header = |name: &str| reply.response.headers().get(name).ok().flatten();
            if (200..300).contains(&status) {
                self.region
                    .borrow_mut()
                    .remember(header(REGION_HEADER).as_deref());
                return Ok(reply);
            }
            let retry_after_ms = header("retry-after").and_then(|v| parse_retry_after(&v));
            let parsed = read_json(reply, url).await.ok().filter(|v| v.is_object());
            let body_envelope = parsed.as_ref().map(envelope);
            if status == 401 && credential.refreshable() && !refreshed {
                refreshed = true;
                refresh = true;
                continue;
            }
            let failure = Failure::Http {
                status,
                body: body_envelope.as_ref(),
                retry_after_ms,
            };
            match retry.next(call, failure) {
                Next::RetryAfterMs(ms) => sleep(ms).await,
                Next::RetryInRegion(region) => {
                    self.region.borrow_mut().remember(Some(&region));
                }
                Next::Fail(_) => {
                    let envelope = body_envelope.unwrap_or_default();
                    return Err(typed_error(status, url, parsed.as_ref(), envelope));
                }
            }
        }
    }

    /// One request with the key and the remembered region; the status and the unread
    /// answer, or a `NetworkError`.
    async fn exchange(
        &self,
        method: &str,
        url: &str,
        body: Option<&JsValue>,
        key: &str,
    ) -> Result<(u16, Reply), SdkError> {
        let region = self
            .region
            .borrow()
            .header()
            .map(|(n, v)| (n, v.to_string()));
        let header = region.as_ref().map(|(name, value)| (*name, value.as_str()));
        let sent = fetch_json(method, url, body, key, header, self.http.timeout_ms()).await?;
        Ok((sent.response.status(), sent))
    }
}

/// The answer's body as parsed JSON, `null` when empty; the deadline still applies.
async fn read_json(reply: Reply, url: &str) -> Result<JsValue, SdkError> {
    let text = match reply.response.text() {
        Ok(promise) => JsFuture::from(promise).await,
        Err(e) => Err(e),
    };
    let text = text.map_err(|e| {
        if reply.aborter.signal().aborted() {
            SdkError::new(
                ErrorKind::Network,
                format!("request to {url} timed out (reading the answer)"),
            )
        } else {
            SdkError::from_js(ErrorKind::Network, "the answer could not be read", e)
        }
    })?;
    if text.as_string().is_some_and(|t| !t.trim().is_empty()) {
        json::parse(&text)
    } else {
        Ok(JsValue::NULL)
    }
}

/// The typed error of a failed answer: its kind from the documented code, else the
/// status (`overshoot_protocol::v1beta::errors::classify`), carrying `code`, `status`
/// and the body as `details`.
fn typed_error(
    status: u16,
    url: &str,
    body: Option<&JsValue>,
    error: overshoot_protocol::v1beta::errors::ErrorEnvelope,
) -> SdkError {
    let kind = if error.is_region_error() {
        ErrorKind::Api
    } else {
        classify(status, Some(&error))
    };
    let path = overshoot_protocol::endpoints::path_of(url);
    let text = error
        .message()
        .filter(|m| !m.is_empty())
        .unwrap_or("request failed");
    let message = match error.code() {
        Some(code) => format!("{text} ({code}; HTTP {status} from {path})"),
        None => format!("{text} (HTTP {status} from {path})"),
    };
    let mut typed = SdkError::new(kind, message);
    typed.status = Some(status);
    typed.details = body.cloned().unwrap_or(JsValue::UNDEFINED);
    typed.code = error.code().map(str::to_string);
    typed
}
