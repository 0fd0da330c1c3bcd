//! One question about the session's stream, periodic or `ask()`: the chat request
//! built by `overshoot_protocol::v1beta::question`, sent as JSON or streamed, and the
//! answer as the streams API's result object (plus `usage`).

use super::super::{call_app, SessionConfig, Shared};
use crate::platform::error::SdkError;
use crate::platform::json::to_js;
use crate::platform::runtime::as_result;
use crate::platform::v1beta_http::V1betaHttp;
use crate::platform::v1beta_wire::{completion, result_object};
use js_sys::Function;
use overshoot_protocol::v1beta::answer::{Answer, ResultContext};
use overshoot_protocol::v1beta::question::{Media, Question};
use overshoot_protocol::ErrorKind;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// What every question of a session shares.
#[derive(Clone)]
pub struct Asker {
    http: V1betaHttp,
    stream_id: String,
    thread_id: String,
    model: String,
    output_schema: Option<JsValue>,
    max_output_tokens: Option<u32>,
}

/// One question.
pub struct Ask {
    /// The question's text.
    pub prompt: String,
    /// Frame or clip.
    pub media: Media,
    /// Stream the answer (SSE) and hand each partial result to `on_partial`.
    pub stream: bool,
    /// Called with each partial result (`partial: true`, `result` the text so far).
    pub on_partial: Option<Function>,
}

impl Asker {
    /// The asker of the running session, once its stream exists.
    pub fn of(config: &SessionConfig, shared: &Rc<RefCell<Shared>>) -> Option<Asker> {
        let s = shared.borrow();
        let v1 = s.v1beta.as_ref()?;
        let inference = &config.request.inference;
        Some(Asker {
            http: v1.http.clone(),
            stream_id: s.stream_id.clone()?,
            thread_id: v1.thread_id.clone(),
            model: inference.model.clone(),
            output_schema: inference.output_schema_json.clone(),
            max_output_tokens: inference.max_output_tokens,
        })
    }

    /// Asks `ask` and resolves with the result object (with `json()`), or the typed
    /// error of the chat call.
    pub async fn ask(&self, ask: Ask) -> Result<JsValue, SdkError> {
        let request = Question {
            stream_id: &self.stream_id,
            model: &self.model,
            prompt: &ask.prompt,
            media: ask.media,
            output_schema: self.output_schema.clone(),
            max_output_tokens: self.max_output_tokens,
            thread_id: Some(&self.thread_id),
            stream: ask.stream,
        }
        .into_request();
        let body = to_js(&request.to_json());
        let sent_at = js_sys::Date::now();
        let context = |now: f64| ResultContext {
            stream_id: self.stream_id.clone(),
            mode: ask.media.mode(),
            model: self.model.clone(),
            prompt: ask.prompt.clone(),
            latency_ms: now - sent_at,
        };
        let mut on_chunk = |_: &JsValue, text: Option<&str>| {
            if let (Some(text), Some(callback)) = (text, &ask.on_partial) {
                let so_far = Answer {
                    text: text.to_string(),
                    ..Answer::default()
                };
                let partial = result_object(&so_far, &context(js_sys::Date::now()), true);
                call_app(callback, &as_result(&partial));
            }
        };
        let mut region_learned = false;
        let answer = loop {
            let outcome = if ask.stream {
                self.http.chat_stream(&body, &mut on_chunk).await
            } else {
                self.http.chat(&body).await.and_then(|a| completion(&a))
            };
            match outcome {
                // The chat envelope's `region_error` names no region (§16.16); a stream
                // call's 409 does, and the HTTP layer retries it there and remembers it.
                Err(e) if e.code.as_deref() == Some("region_error") && !region_learned => {
                    region_learned = true;
                    self.http.status(&self.stream_id).await?;
                }
                outcome => break outcome?,
            }
        };
        Ok(as_result(&result_object(
            &answer,
            &context(js_sys::Date::now()),
            false,
        )))
    }
}

/// Whether a failed question ends the session: the key, the stream or the credit is
/// gone, and every later question would fail the same way. Anything else (an empty
/// segment, a rate limit, a provider failure) is one failed result.
pub fn ends_session(error: &SdkError) -> bool {
    matches!(
        error.kind,
        ErrorKind::Unauthorized | ErrorKind::NotFound | ErrorKind::InsufficientCredits
    )
}
