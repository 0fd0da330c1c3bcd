//! The v1beta bodies of `RealtimeVision`'s per-question calls (`ask()`, `getStatus()`,
//! `viewerToken()`, `updatePrompt()`); their `#[wasm_bindgen]` surface is `v1beta.rs`,
//! compiled in both builds. Only the `v1beta` feature's build has this file.

use super::promise;
use super::realtime_vision::RealtimeVision;
use crate::platform::error::SdkError;
use crate::platform::js_object::JsObject;
use crate::platform::v1beta_http::V1betaHttp;
use crate::session::v1beta::asking::{Ask, Asker};
use crate::session::{post, Event, SessionConfig, Shared};
use futures_channel::oneshot;
use js_sys::Promise;
use overshoot_protocol::v1beta::question::Media;
use overshoot_protocol::v1beta::streams::RETENTION_SECONDS;
use overshoot_protocol::ErrorKind;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

fn needs_stream(call: &str) -> SdkError {
    SdkError::new(
        ErrorKind::Validation,
        format!("{call} needs a running stream; call start() first"),
    )
}

/// The running v1beta session's endpoint and stream id.
fn running(shared: &Rc<RefCell<Shared>>, call: &str) -> Result<(V1betaHttp, String), SdkError> {
    let s = shared.borrow();
    match (&s.v1beta, &s.stream_id) {
        (Some(v1), Some(id)) if s.state().is_active() => Ok((v1.http.clone(), id.clone())),
        _ => Err(needs_stream(call)),
    }
}

/// Waits until the server has ingested a frame (questions before it would fail, §9.3).
async fn first_frame(shared: &Rc<RefCell<Shared>>) -> Result<(), SdkError> {
    let waiting = {
        let mut s = shared.borrow_mut();
        let active = s.state().is_active();
        match s.v1beta.as_mut() {
            Some(v1) if active && !v1.ready => {
                let (waiter, ready) = oneshot::channel();
                v1.ready_waiters.push(waiter);
                Some(ready)
            }
            Some(_) if active => None,
            _ => return Err(needs_stream("ask()")),
        }
    };
    match waiting {
        Some(ready) => ready.await.map_err(|_| {
            SdkError::new(
                ErrorKind::Aborted,
                "the session ended before a frame reached the server",
            )
        }),
        None => Ok(()),
    }
}

/// `ask()`'s options: `{frame: true}` or `{clipSeconds}` (default: what the periodic
/// question looks at), `stream`, `onPartial`.
fn read_ask(config: &SessionConfig, prompt: JsValue, options: &JsValue) -> Result<Ask, SdkError> {
    let prompt = prompt
        .as_string()
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| SdkError::validation("question", "must be a non-empty string"))?;
    let mode = config.request.effective_mode();
    let processing = &config.request.processing;
    let defaults = config.v1beta.as_ref();
    let mut ask = Ask {
        prompt,
        media: Media::periodic(mode, processing),
        stream: defaults.is_some_and(|d| d.stream),
        on_partial: defaults.and_then(|d| d.on_partial.clone()),
    };
    if options.is_undefined() || options.is_null() {
        return Ok(ask);
    }
    let o = JsObject::new(options, "options")?;
    o.reject_unknown_keys(&["frame", "clipSeconds", "stream", "onPartial"])?;
    let frame = o.boolean("frame")?.unwrap_or(false);
    match (frame, o.number("clipSeconds")?) {
        (true, Some(_)) => {
            return Err(SdkError::validation(
                "options.clipSeconds",
                "cannot be combined with frame: true",
            ))
        }
        (true, None) => ask.media = Media::Frame,
        (false, Some(seconds)) => {
            if !(seconds > 0.0 && seconds <= f64::from(RETENTION_SECONDS)) {
                return Err(SdkError::validation(
                    "options.clipSeconds",
                    "must be more than 0 and at most 600 (the retained history)",
                ));
            }
            let fps = processing.sampled_fps(overshoot_protocol::Mode::Clip);
            ask.media = Media::Clip { seconds, fps };
        }
        (false, None) => {}
    }
    if let Some(callback) = o.function("onPartial")? {
        ask.on_partial = Some(callback);
        ask.stream = true;
    }
    if let Some(stream) = o.boolean("stream")? {
        ask.stream = stream;
    }
    Ok(ask)
}

/// `ask()` of a v1beta session.
pub(super) fn ask(this: &RealtimeVision, question: JsValue, options: Option<JsValue>) -> Promise {
    let (config, shared) = (this.config.clone(), this.shared.clone());
    promise(async move {
        let ask = read_ask(&config, question, &options.unwrap_or(JsValue::UNDEFINED))?;
        first_frame(&shared).await?;
        let asker = Asker::of(&config, &shared).ok_or_else(|| needs_stream("ask()"))?;
        Ok(asker.ask(ask).await?)
    })
}

/// `getStatus()` of a v1beta session.
pub(super) fn get_status(this: &RealtimeVision) -> Promise {
    let shared = this.shared.clone();
    promise(async move {
        let (http, id) = running(&shared, "getStatus()")?;
        Ok(http.status(&id).await?)
    })
}

/// `viewerToken()` of a v1beta session.
pub(super) fn viewer_token(this: &RealtimeVision) -> Promise {
    let shared = this.shared.clone();
    promise(async move {
        let (http, id) = running(&shared, "viewerToken()")?;
        Ok(http.viewer_token(&id).await?)
    })
}

/// `updatePrompt()` in v1beta: the next periodic question asks `prompt` (the first
/// one, at once, when the session had no prompt).
pub(super) fn update_prompt(this: &RealtimeVision, prompt: JsValue) -> Promise {
    let shared = this.shared.clone();
    promise(async move {
        let prompt = prompt
            .as_string()
            .filter(|p| !p.trim().is_empty())
            .ok_or_else(|| SdkError::validation("prompt", "must be a non-empty string"))?;
        let mut s = shared.borrow_mut();
        let active = s.state().is_active();
        let inbox = s.inbox.clone();
        let Some(v1) = s.v1beta.as_mut().filter(|_| active) else {
            return Err(needs_stream("updatePrompt()").into());
        };
        let first = v1.prompt.replace(prompt).is_none();
        if let (true, true, Some(inbox)) = (first, v1.ready, inbox) {
            post(
                &inbox,
                Event::V1beta(crate::session::v1beta::V1Event::QuestionDue),
            );
        }
        Ok(JsValue::UNDEFINED)
    })
}
