//! A session against the v1beta API (spec §17): the stream only ingests the video the
//! package publishes through LiveKit; every answer is a `POST /chat/completions` about
//! the stream's frames. The same task shape as the streams API's session: one task fed
//! by the session's channel ([`super::Event`], its v1beta events in [`V1Event`]).
//!
//! - [`startup`]: media, room, create, publish.
//! - [`running`]: lease renewal, the wait for the first ingested frame, the periodic
//!   question, release on stop or on a final error.
//! - [`asking`]: one question (periodic or `ask()`) and its answer as a result.

pub mod asking;
mod running;
mod startup;

use super::{finish, set_state, Event, SessionConfig, Shared};
use crate::platform::error::SdkError;
use crate::platform::v1beta_http::V1betaHttp;
use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender};
use futures_channel::oneshot;
use js_sys::Function;
use overshoot_protocol::SessionState;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// The v1beta options of a `RealtimeVision` config.
#[derive(Clone)]
pub struct V1betaOptions {
    /// The periodic question; `None` when the app only calls `ask()`.
    pub prompt: Option<String>,
    /// Answers streamed as SSE (`stream: true`), partial texts to `on_partial`.
    pub stream: bool,
    /// Called with each partial result of a streamed answer.
    pub on_partial: Option<Function>,
}

/// What the facade reads of a running v1beta session (`ask()`, `getStatus()`,
/// `viewerToken()`, `updatePrompt()`). The task writes it.
pub struct V1Shared {
    /// The session's endpoint (its remembered region included).
    pub http: V1betaHttp,
    /// The prompt-cache key, one per session (§10.5).
    pub thread_id: String,
    /// The periodic question's prompt; `updatePrompt()` changes the next question.
    pub prompt: Option<String>,
    /// Whether the server has ingested a frame (questions may be asked).
    pub ready: bool,
    /// `ask()` calls waiting for the first frame.
    pub ready_waiters: Vec<oneshot::Sender<()>>,
}

/// Events of a v1beta session (inside [`Event::V1beta`]).
pub enum V1Event {
    /// Time to ask the server whether a frame has arrived.
    PollDue,
    /// The `GET /streams/{id}` of the wait for the first frame finished.
    Polled(Result<JsValue, SdkError>),
    /// Time for the periodic question.
    QuestionDue,
    /// The periodic question sent at `.0` (`Date.now()`) was answered.
    Answered(f64, Result<JsValue, SdkError>),
}

/// A prompt-cache key for one session: random, never derived from the key or stream.
fn new_thread_id() -> String {
    let part = || (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    format!("ovs-wasm-{:x}{:x}", part(), part())
}

/// Runs a v1beta session: start-up, then the loop, reporting start-up's outcome on
/// `started`. Called by `session::spawn` inside the task.
pub(super) async fn run_session(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    inbox: &UnboundedSender<Event>,
    events: UnboundedReceiver<Event>,
    started: oneshot::Sender<Result<(), SdkError>>,
    options: &V1betaOptions,
) {
    let http = V1betaHttp::new(config.http.clone());
    shared.borrow_mut().v1beta = Some(V1Shared {
        http: http.clone(),
        thread_id: new_thread_id(),
        prompt: options.prompt.clone(),
        ready: false,
        ready_waiters: Vec::new(),
    });
    match startup::start_up(config, shared, inbox, &http).await {
        Ok(live) => {
            set_state(config, shared, SessionState::Connecting);
            let _ = started.send(Ok(()));
            let ctx = running::Ctx {
                config,
                shared,
                inbox,
                http: &http,
                options,
            };
            running::run(ctx, live, events).await;
        }
        Err(failure) => {
            if let Some(id) = &failure.stream_id {
                // Never leave a stream behind a failed start.
                let _ = http.delete(id).await;
            }
            let state = if failure.aborted {
                SessionState::Stopped
            } else {
                SessionState::Failed
            };
            finish(config, shared, state);
            let _ = started.send(Err(failure.error));
        }
    }
    // Waiting `ask()`s learn that no frame will come; later calls need a new start().
    shared.borrow_mut().v1beta = None;
}
