//! The single async task that owns a running stream. `start()` spawns it; browser
//! callbacks (socket, peer connection, timers) and app commands (`stop()`) reach it
//! through one unbounded channel, so session state has exactly one writer.

mod link;
mod media_path;
mod peer_link;
mod running;
mod startup;
#[cfg(feature = "v1beta")]
pub mod v1beta;

use crate::platform::error::SdkError;
use crate::platform::http::ApiHttp;
use crate::platform::media::{MediaOwner, VideoSource};
use crate::platform::runtime::result_sink;
use crate::platform::socket::SocketEvent;
use futures_channel::{mpsc, oneshot};
use js_sys::{Array, Function};
use overshoot_protocol::send_limits::{send_limits, SendLimits};
use overshoot_protocol::{CreateStreamRequest, SessionState};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use web_sys::{MediaStream, RtcPeerConnection, RtcPeerConnectionState};

/// Everything a session needs, fixed when `RealtimeVision` is constructed.
#[derive(Clone)]
pub struct SessionConfig {
    /// The API endpoint.
    pub http: ApiHttp,
    /// The validated create request, without its `source` (filled with the offer).
    pub request: CreateStreamRequest<JsValue>,
    /// Where the video comes from.
    pub source: VideoSource,
    /// The app's ICE servers (`RTCIceServer[]`), kept alongside the response's TURN servers.
    pub user_ice_servers: Array,
    /// Called with each parsed result (by `js/runtime.js`, through the result sink).
    pub on_result: Function,
    /// Called with each error; without it errors are reported as unhandled rejections.
    pub on_error: Option<Function>,
    /// Called with the state's name on every change.
    pub on_state_change: Option<Function>,
    /// Log lifecycle events with `console.debug` (never the API key).
    pub debug: bool,
    /// Caps on what is encoded (`video` option); `None` sends the source as it is.
    pub video: Option<VideoCaps>,
    /// How the video reaches the server.
    pub transport: Transport,
    /// The v1beta options; `Some` when `apiUrl` selects v1beta (the stream is fed
    /// through LiveKit and answers come from `/chat/completions`).
    #[cfg(feature = "v1beta")]
    pub v1beta: Option<v1beta::V1betaOptions>,
}

/// `transport`: how the video reaches the server (a `{type:"livekit"}` source needs
/// neither: the app publishes into its own room).
#[derive(Clone, Debug)]
pub enum Transport {
    /// WebRTC straight to the server (default).
    WebRtc,
    /// The native transport: the server makes a LiveKit room and the package publishes
    /// into it through livekit-client (`client`: the app's module or loader, or
    /// undefined to import `livekit-client`). Only in the `livekit` feature's build.
    #[cfg(feature = "livekit")]
    LiveKit { client: JsValue },
}

/// The app's caps on the sent picture (`video: {maxLongSide, maxShortSide, maxBitrateBps}`).
#[derive(Clone, Copy, Debug)]
pub struct VideoCaps {
    pub max_long_side: u32,
    pub max_short_side: u32,
    pub max_bitrate_bps: Option<u32>,
}

impl SessionConfig {
    /// Encoder limits for the video of `media`: frame rate from the sampling settings,
    /// picture and bitrate from `video` (see `overshoot_protocol::send_limits`).
    pub fn send_limits(&self, media: &MediaOwner) -> Option<SendLimits> {
        let caps = self.video?;
        let (width, height) = media.picture_size();
        let mode = self.request.effective_mode();
        let sampled = self.request.processing.sampled_fps(mode);
        Some(send_limits(
            sampled,
            width,
            height,
            caps.max_long_side,
            caps.max_short_side,
            caps.max_bitrate_bps,
        ))
    }

    /// The box a relayed source (screen, video, HLS) is drawn within: the `video`
    /// caps, or 1280×720 when the app turned them off.
    pub fn relay_size(&self) -> (u32, u32) {
        self.video
            .map_or((1280, 720), |c| (c.max_long_side, c.max_short_side))
    }

    /// Logs `message` when `debug` is on.
    pub fn log(&self, message: &str) {
        if self.debug {
            web_sys::console::debug_1(&format!("[overshoot-wasm] {message}").into());
        }
    }
}

/// What the facade can read while the task runs. Only the task writes it.
#[derive(Default)]
pub struct Shared {
    /// Lifecycle state.
    pub state: Option<SessionState>,
    /// The server's id for the stream, once created.
    pub stream_id: Option<String>,
    /// The stream being sent, once acquired.
    pub media_stream: Option<MediaStream>,
    /// The task's inbox while it runs.
    pub inbox: Option<mpsc::UnboundedSender<Event>>,
    /// Set by `stop()`: start-up checks it after every step.
    pub stop_requested: bool,
    /// Start-up steps that `stop()` interrupts (see `link::unless_stopped`).
    pub stop_waiters: Vec<oneshot::Sender<()>>,
    /// The running peer connection (owned by the task), for `getStats()`.
    pub peer: Option<RtcPeerConnection>,
    /// The result sink of the latest `start()` (`resultSink` in `js/runtime.js`): its
    /// sockets deliver results there, and it counts them for `getStats()`.
    pub results: JsValue,
    /// The previous stats sample, for rates (managed by `js/runtime.js`).
    pub previous_stats: JsValue,
    /// A running v1beta session's endpoint, thread and prompt (see `v1beta::V1Shared`).
    #[cfg(feature = "v1beta")]
    pub v1beta: Option<v1beta::V1Shared>,
}

impl Shared {
    /// The current state (idle before the first start).
    pub fn state(&self) -> SessionState {
        self.state.unwrap_or(SessionState::Idle)
    }
}

/// Everything that can happen to a session. Events of a connection carry its
/// generation: after an ICE recovery replaces the connection, late events of the old
/// one are recognised and ignored.
pub enum Event {
    /// The results socket of generation `.0` reported something.
    Socket(u32, SocketEvent),
    /// The peer connection of generation `.0` changed `connectionState`.
    Peer(u32, RtcPeerConnectionState),
    /// The peer connection of generation `.0` stayed `disconnected` too long.
    IceStalled(u32),
    /// Time to renew the lease.
    RenewDue,
    /// A keepalive of the link of generation `.0` finished (a recovery may have
    /// replaced that link meanwhile: then the answer is ignored).
    Renewed(u32, Result<JsValue, SdkError>),
    /// Time to reopen the results socket.
    ReconnectDue,
    /// The app called `stop()`; reply when everything is released.
    Stop(oneshot::Sender<()>),
    /// The page is going away; the DELETE has already been sent (keepalive fetch).
    PageHidden,
    /// The source ended or failed after it started (stop sharing, end of a video
    /// without loop, camera unplugged); final.
    SourceEnded(SdkError),
    /// `switchCamera(target)`: a facing (`user`/`environment`) or a device id.
    SwitchCamera(String, oneshot::Sender<Result<(), SdkError>>),
    /// An event of a v1beta session's question cycle.
    #[cfg(feature = "v1beta")]
    V1beta(v1beta::V1Event),
}

/// Sends `event` to the task if it still runs.
pub fn post(inbox: &mpsc::UnboundedSender<Event>, event: Event) {
    let _ = inbox.unbounded_send(event);
}

/// Starts a session task. The returned receiver gets the outcome of start-up.
pub fn spawn(
    config: Rc<SessionConfig>,
    shared: Rc<RefCell<Shared>>,
) -> oneshot::Receiver<Result<(), SdkError>> {
    let (inbox, events) = mpsc::unbounded();
    let (started_tx, started_rx) = oneshot::channel();
    {
        let mut s = shared.borrow_mut();
        s.stream_id = None;
        s.media_stream = None;
        s.stop_requested = false;
        s.stop_waiters.clear();
        s.inbox = Some(inbox.clone());
        s.results = result_sink(&config.on_result);
        s.previous_stats = JsValue::UNDEFINED;
        #[cfg(feature = "v1beta")]
        {
            s.v1beta = None;
        }
    }
    set_state(&config, &shared, SessionState::Starting);
    wasm_bindgen_futures::spawn_local(async move {
        #[cfg(feature = "v1beta")]
        if let Some(options) = &config.v1beta {
            v1beta::run_session(&config, &shared, &inbox, events, started_tx, options).await;
            return;
        }
        match boxed(startup::start_up(&config, &shared, &inbox)).await {
            Ok(live) => {
                set_state(&config, &shared, SessionState::Connecting);
                let _ = started_tx.send(Ok(()));
                boxed(running::run(&config, &shared, live, events, inbox)).await;
            }
            Err(failure) => {
                let stopped = failure.aborted;
                if let Some(id) = failure.stream_id {
                    // Never leave a billed stream behind a failed start.
                    let _ = config.http.close_stream_reliably(&id).await;
                }
                finish(
                    &config,
                    &shared,
                    if stopped {
                        SessionState::Stopped
                    } else {
                        SessionState::Failed
                    },
                );
                let _ = started_tx.send(Err(failure.error));
            }
        }
    });
    started_rx
}

/// `future` behind a `dyn` pointer: its poll function is compiled on its own instead of
/// inlined into the session task's, whose state no longer holds it inline (see the size
/// profile in BENCHMARKS.md).
pub(crate) fn boxed<'a, T>(
    future: impl Future<Output = T> + 'a,
) -> Pin<Box<dyn Future<Output = T> + 'a>> {
    Box::pin(future)
}

/// Moves to `state` and tells `onStateChange` if it changed.
fn set_state(config: &SessionConfig, shared: &Rc<RefCell<Shared>>, state: SessionState) {
    let previous = shared.borrow_mut().state.replace(state);
    if previous != Some(state) {
        config.log(&format!("state: {}", state.name()));
        if let Some(callback) = &config.on_state_change {
            call_app(callback, &JsValue::from_str(state.name()));
        }
    }
}

/// Marks the task finished: no inbox, no stream, no peer, final state.
fn finish(config: &SessionConfig, shared: &Rc<RefCell<Shared>>, state: SessionState) {
    {
        let mut s = shared.borrow_mut();
        s.inbox = None;
        s.media_stream = None;
        s.peer = None;
    }
    set_state(config, shared, state);
}

/// Calls `callback(arg)`; an exception thrown by app code is reported the way the
/// browser reports one from an event listener (an unhandled rejection), never
/// swallowed and never allowed to break the session.
pub fn call_app(callback: &Function, arg: &JsValue) {
    if let Err(e) = callback.call1(&JsValue::NULL, arg) {
        let _ = js_sys::Promise::reject(&e);
    }
}

/// Delivers an error to `onError`, or reports it as an unhandled rejection.
pub fn report_error(config: &SessionConfig, error: &SdkError) {
    let js = error.to_js();
    match &config.on_error {
        Some(on_error) => call_app(on_error, &js),
        None => {
            let _ = js_sys::Promise::reject(&js);
        }
    }
}
