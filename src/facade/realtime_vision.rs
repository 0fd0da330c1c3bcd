//! `RealtimeVision`: the class most apps use.

use super::config::read_session_config;
use super::promise;
use crate::platform::error::SdkError;
use crate::platform::runtime::summarize_stats;
use crate::session::{self, post, Event, SessionConfig, Shared};
use futures_channel::oneshot;
use js_sys::Promise;
use overshoot_protocol::ErrorKind;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Streams a video source to Overshoot and calls `onResult` with each inference result.
#[wasm_bindgen]
pub struct RealtimeVision {
    /// Shared with each session task `start()` spawns (one config, never copied).
    pub(super) config: Rc<SessionConfig>,
    pub(super) shared: Rc<RefCell<Shared>>,
}

/// Freeing the object (`free()`, `using`, `[Symbol.dispose]()`) stops its stream:
/// a session nobody can reach must not keep a camera open or a stream billed.
impl Drop for RealtimeVision {
    fn drop(&mut self) {
        // Nobody is left to await the reply.
        let _ = self.request_stop();
    }
}

impl RealtimeVision {
    /// Marks the session as stopping (start-up checks the flag after each step) and
    /// posts `Stop` to a running task; the receiver resolves once all is released.
    /// `None` when no task runs.
    fn request_stop(&self) -> Option<oneshot::Receiver<()>> {
        let inbox = {
            let mut s = self.shared.borrow_mut();
            s.stop_requested = true;
            // Interrupt a start-up step that may wait long (a permission prompt).
            for waiter in s.stop_waiters.drain(..) {
                let _ = waiter.send(());
            }
            s.inbox.clone()
        }?;
        let (reply, done) = oneshot::channel();
        post(&inbox, Event::Stop(reply));
        Some(done)
    }
}

#[wasm_bindgen]
impl RealtimeVision {
    /// Validates `config`; throws a `ValidationError` naming the field before any
    /// network or media call.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "RealtimeVisionConfig")] config: JsValue,
    ) -> Result<RealtimeVision, JsValue> {
        let config = read_session_config(&config)?;
        Ok(RealtimeVision {
            config: Rc::new(config),
            shared: Rc::new(RefCell::new(Shared::default())),
        })
    }

    /// Opens the source, creates the stream and starts receiving results. Resolves
    /// once the stream exists and video is negotiated; rejects with a typed error
    /// after releasing everything it acquired.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn start(&self) -> Promise {
        let state = self.shared.borrow().state();
        if !state.can_start() {
            let error = SdkError::new(
                ErrorKind::Validation,
                format!("start() called while the session is {}", state.name()),
            );
            return Promise::reject(&error.into());
        }
        let started = session::spawn(self.config.clone(), self.shared.clone());
        promise(async move {
            match started.await {
                Ok(Ok(())) => Ok(JsValue::UNDEFINED),
                Ok(Err(error)) => Err(error.into()),
                Err(_) => Err(SdkError::new(
                    ErrorKind::Aborted,
                    "the session ended during start()",
                )
                .into()),
            }
        })
    }

    /// Stops streaming: stops the tracks the package opened, clears timers and closes
    /// the results socket at once, deletes the stream on the server (ending its
    /// billing), then closes the peer connection (once the DELETE is answered, or
    /// after 1 s). Safe to call at any time, any number of times.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn stop(&self) -> Promise {
        let Some(done) = self.request_stop() else {
            return Promise::resolve(&JsValue::UNDEFINED);
        };
        promise(async move {
            // A cancelled reply means the task had already ended: stopped either way.
            let _ = done.await;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Switches to another camera while streaming — `"user"`, `"environment"` or a
    /// `deviceId` — with `RTCRtpSender.replaceTrack`: same stream id, no new request.
    /// Rejects with a `MediaError` (the old camera keeps streaming) if it cannot open.
    #[wasm_bindgen(js_name = switchCamera, unchecked_return_type = "Promise<void>")]
    pub fn switch_camera(
        &self,
        #[wasm_bindgen(js_name = "deviceIdOrFacing", unchecked_param_type = "string")]
        target: JsValue,
    ) -> Promise {
        let inbox = self
            .shared
            .borrow()
            .inbox
            .clone()
            .filter(|_| self.is_active());
        promise(async move {
            let target = target
                .as_string()
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| {
                    SdkError::validation(
                        "deviceIdOrFacing",
                        "must be \"user\", \"environment\" or a device id",
                    )
                })?;
            let Some(inbox) = inbox else {
                return Err(SdkError::new(
                    ErrorKind::Validation,
                    "switchCamera() needs a running stream",
                )
                .into());
            };
            let (reply, done) = oneshot::channel();
            post(&inbox, Event::SwitchCamera(target, reply));
            match done.await {
                Ok(Ok(())) => Ok(JsValue::UNDEFINED),
                Ok(Err(e)) => Err(e.into()),
                Err(_) => Err(SdkError::new(
                    ErrorKind::Aborted,
                    "the session ended during switchCamera()",
                )
                .into()),
            }
        })
    }

    /// Same as `stop()`, for code that expects a `close()`.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn close(&self) -> Promise {
        self.stop()
    }

    /// Changes the prompt of the running stream; later results use it (v1beta: the
    /// next periodic question asks it).
    #[wasm_bindgen(js_name = updatePrompt, unchecked_return_type = "Promise<void>")]
    pub fn update_prompt(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] prompt: JsValue,
    ) -> Promise {
        #[cfg(feature = "v1beta")]
        if self.config.v1beta.is_some() {
            return super::v1beta_calls::update_prompt(self, prompt);
        }
        let http = self.config.http.clone();
        let stream_id = self.shared.borrow().stream_id.clone();
        let streaming = self.is_active();
        promise(async move {
            let prompt = match prompt.as_string() {
                Some(p) if !p.trim().is_empty() => p,
                _ => {
                    return Err(SdkError::validation("prompt", "must be a non-empty string").into())
                }
            };
            let Some(id) = stream_id.filter(|_| streaming) else {
                return Err(SdkError::new(
                    ErrorKind::Validation,
                    "updatePrompt() needs a running stream; call start() first",
                )
                .into());
            };
            http.update_prompt(&id, &prompt).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The stream being sent, once `start()` has acquired it.
    #[wasm_bindgen(js_name = getMediaStream)]
    pub fn get_media_stream(&self) -> Option<web_sys::MediaStream> {
        self.shared.borrow().media_stream.clone()
    }

    /// The server's stream id, once created.
    #[wasm_bindgen(js_name = getStreamId)]
    pub fn get_stream_id(&self) -> Option<String> {
        self.shared.borrow().stream_id.clone()
    }

    /// Whether a stream is running: connecting, streaming or reconnecting.
    #[wasm_bindgen(js_name = isActive)]
    pub fn is_active(&self) -> bool {
        self.shared.borrow().state().is_active()
    }

    /// Live figures: frames sent, fps, upload bitrate, round-trip time, the
    /// selected ICE candidate type (`host`, `srflx`, `prflx`, `relay`), results
    /// received and the latest result's latency. Rates are measured since the
    /// previous call (or since the connection started).
    #[wasm_bindgen(js_name = getStats, unchecked_return_type = "Promise<SessionStats>")]
    pub fn get_stats(&self) -> Promise {
        let shared = self.shared.clone();
        promise(async move {
            let (peer, previous) = {
                let s = shared.borrow();
                (s.peer.clone(), s.previous_stats.clone())
            };
            let report = match peer {
                Some(pc) => wasm_bindgen_futures::JsFuture::from(pc.get_stats())
                    .await
                    .unwrap_or(JsValue::NULL),
                None => JsValue::NULL,
            };
            let (sink, state) = {
                let s = shared.borrow();
                (s.results.clone(), s.state())
            };
            let stats = summarize_stats(&report, &previous, &sink, state.name());
            shared.borrow_mut().previous_stats = stats.clone();
            Ok(stats)
        })
    }

    /// The lifecycle state: `idle`, `starting`, `streaming`, `stopping`, `stopped` or `failed`.
    #[wasm_bindgen(getter, unchecked_return_type = "SessionState")]
    pub fn state(&self) -> String {
        self.shared.borrow().state().name().to_string()
    }
}
