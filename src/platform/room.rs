//! Owner of a `LiveKitPublisher` (`js/livekit.js`): the native transport's room
//! connection, publishing the session's video track through `livekit-client`. Leaves
//! the room on drop; the track itself belongs to the media owner. `livekit.js` is not
//! imported by the wasm module: the stand-in bound here (`PublisherOnDemand`,
//! `js/runtime-full.js`, which only the `livekit` feature's module imports) loads it on
//! first use.

use super::error::SdkError;
use js_sys::{Function, Promise};
use overshoot_protocol::send_limits::SendLimits;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::MediaStreamTrack;

#[wasm_bindgen(module = "/js/runtime-full.js")]
extern "C" {
    /// A `LiveKitPublisher` of `js/livekit.js`, built once that module has loaded.
    #[wasm_bindgen(js_name = PublisherOnDemand)]
    type LiveKitPublisher;

    #[wasm_bindgen(constructor, js_class = "PublisherOnDemand")]
    fn new(on_state: &Function) -> LiveKitPublisher;
    #[wasm_bindgen(method)]
    fn load(this: &LiveKitPublisher, provider: &JsValue) -> Promise;
    #[wasm_bindgen(method)]
    fn open(
        this: &LiveKitPublisher,
        url: &str,
        token: &str,
        track: &MediaStreamTrack,
        max_bitrate: Option<u32>,
        max_framerate: Option<f64>,
    ) -> Promise;
    #[wasm_bindgen(method, js_name = setToken)]
    fn set_token(this: &LiveKitPublisher, token: &str);
    #[wasm_bindgen(method, js_name = replaceTrack)]
    fn replace_track(this: &LiveKitPublisher, track: &MediaStreamTrack) -> Promise;
    #[wasm_bindgen(method)]
    fn close(this: &LiveKitPublisher);
}

// Never called: makes wasm-bindgen copy `js/livekit.js` beside `runtime.js`, which
// loads it with `import()` (see `copies_sources_js` in `media/relay.rs`).
#[wasm_bindgen(module = "/js/livekit.js")]
extern "C" {
    #[wasm_bindgen(js_name = LiveKitPublisher)]
    fn copies_livekit_js();
}

/// How the room connection is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoomState {
    /// Joined and publishing.
    Connected,
    /// livekit-client is resuming, or the package is rejoining with the newest token.
    Reconnecting,
    /// The room is gone and rejoining failed.
    Failed,
}

/// A room the session publishes into; left on drop.
pub struct RoomOwner {
    publisher: LiveKitPublisher,
    _on_state: Closure<dyn FnMut(String)>,
}

impl RoomOwner {
    /// Loads `js/livekit.js`, then livekit-client (`provider`: the module, a loader, or
    /// undefined to import `livekit-client`); either missing is a
    /// `SourceUnsupportedError`. `on_state` hears of the room connection once joined.
    pub async fn load(
        provider: &JsValue,
        on_state: impl Fn(RoomState) + 'static,
    ) -> Result<RoomOwner, SdkError> {
        let on_state = Closure::<dyn FnMut(String)>::new(move |name: String| {
            on_state(match name.as_str() {
                "connected" => RoomState::Connected,
                "reconnecting" => RoomState::Reconnecting,
                _ => RoomState::Failed,
            })
        });
        let owner = RoomOwner {
            publisher: LiveKitPublisher::new(on_state.as_ref().unchecked_ref()),
            _on_state: on_state,
        };
        JsFuture::from(owner.publisher.load(provider))
            .await
            .map_err(|e| SdkError::from_tagged(e, "livekit-client could not be loaded"))?;
        Ok(owner)
    }

    /// Joins `url` with `token` and publishes `track` with `limits`.
    pub async fn publish(
        &self,
        url: &str,
        token: &str,
        track: &MediaStreamTrack,
        limits: Option<&SendLimits>,
    ) -> Result<(), SdkError> {
        let opening = self.publisher.open(
            url,
            token,
            track,
            limits.map(|l| l.max_bitrate_bps),
            limits.map(|l| l.max_framerate),
        );
        JsFuture::from(opening)
            .await
            .map(|_| ())
            .map_err(|e| SdkError::from_tagged(e, "could not publish into the LiveKit room"))
    }

    /// Keeps a refreshed token (keepalive `livekit_token`) for the next rejoin.
    pub fn set_token(&self, token: &str) {
        self.publisher.set_token(token);
    }

    /// Publishes `track` instead of the current one.
    pub async fn replace_track(&self, track: &MediaStreamTrack) -> Result<(), SdkError> {
        JsFuture::from(self.publisher.replace_track(track))
            .await
            .map(|_| ())
            .map_err(|e| SdkError::from_tagged(e, "the LiveKit track could not be replaced"))
    }
}

impl Drop for RoomOwner {
    fn drop(&mut self) {
        self.publisher.close();
    }
}
