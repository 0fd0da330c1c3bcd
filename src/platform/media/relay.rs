//! Owner of a `CanvasRelay` (`js/sources.js`): screen capture, a video file or URL,
//! or an HLS stream, drawn into a canvas whose capture track is sent. The draw loop
//! runs in JS; this owner starts it and closes it (element, listeners, tracks, object
//! URL, hls.js) on drop. `sources.js` is not imported by the wasm module: the stand-in
//! bound here (`RelayOnDemand`, `js/runtime.js`) loads it on first use, so pages that
//! only send a camera never download it.

use super::SourceEndHandler;
use crate::platform::error::SdkError;
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::MediaStream;

#[wasm_bindgen(module = "/js/runtime.js")]
extern "C" {
    /// A `CanvasRelay` of `js/sources.js`, built once that module has loaded.
    #[wasm_bindgen(js_name = RelayOnDemand)]
    type CanvasRelay;

    #[wasm_bindgen(constructor, js_class = "RelayOnDemand")]
    fn new(fps: f64, max_long: u32, max_short: u32, on_end: &Function) -> CanvasRelay;
    #[wasm_bindgen(method, js_name = openScreen)]
    fn open_screen(this: &CanvasRelay, timeout_ms: u32) -> Promise;
    #[wasm_bindgen(method, js_name = openVideo)]
    fn open_video(this: &CanvasRelay, media: &JsValue, looped: bool, timeout_ms: u32) -> Promise;
    #[wasm_bindgen(method, js_name = openHls)]
    fn open_hls(this: &CanvasRelay, url: &str, hls_js: &JsValue, timeout_ms: u32) -> Promise;
    #[wasm_bindgen(method, getter)]
    fn stream(this: &CanvasRelay) -> MediaStream;
    #[wasm_bindgen(method, getter)]
    fn width(this: &CanvasRelay) -> u32;
    #[wasm_bindgen(method, getter)]
    fn height(this: &CanvasRelay) -> u32;
    #[wasm_bindgen(method)]
    fn close(this: &CanvasRelay);
}

// Never called. `RelayOnDemand` loads `js/sources.js` with `import()`, which
// wasm-bindgen does not follow; naming the module here is what makes wasm-bindgen copy
// it beside `runtime.js` (into pkg/ and into the wasm-bindgen-test server's snippets)
// without importing it into the glue. scripts/build.sh checks that it did.
#[wasm_bindgen(module = "/js/sources.js")]
extern "C" {
    #[wasm_bindgen(js_name = fitWithin)]
    fn copies_sources_js();
}

/// What the relay plays.
#[derive(Clone, Debug)]
pub enum RelayInput {
    /// getDisplayMedia: a screen, window or tab the user picks.
    Screen,
    /// A `File`/`Blob` or a URL string, looped unless `looped` is false.
    Video { media: JsValue, looped: bool },
    /// An HLS URL; `hls_js` is the app's hls.js (class, module or loader) or undefined.
    Hls { url: String, hls_js: JsValue },
}

/// A source drawn through a canvas.
#[derive(Clone, Debug)]
pub struct RelayRequest {
    /// What to play.
    pub input: RelayInput,
    /// Redraw (and capture) rate, frames per second.
    pub fps: f64,
    /// How long loading may take before a `SourceLoadError`.
    pub load_timeout_ms: u32,
}

/// A running canvas relay; closed on drop.
pub struct Relay {
    relay: CanvasRelay,
    _on_end: Closure<dyn FnMut(JsValue)>,
}

impl Relay {
    /// Opens `request` with the picture fitted within `max_long × max_short`.
    /// `on_end` hears of the source ending or failing after it started.
    pub async fn open(
        request: &RelayRequest,
        max_long: u32,
        max_short: u32,
        on_end: SourceEndHandler,
    ) -> Result<Relay, SdkError> {
        let on_end = Closure::<dyn FnMut(JsValue)>::new(move |failure: JsValue| {
            on_end(SdkError::from_tagged(failure, "the source failed"));
        });
        // Never throws: a page that cannot draw video into a canvas, or a `sources.js`
        // that does not load, is a `SourceUnsupportedError` from the `open…` call.
        let relay = Relay {
            relay: CanvasRelay::new(
                request.fps,
                max_long,
                max_short,
                on_end.as_ref().unchecked_ref(),
            ),
            _on_end: on_end,
        };
        let timeout = request.load_timeout_ms;
        let opening = match &request.input {
            RelayInput::Screen => relay.relay.open_screen(timeout),
            RelayInput::Video { media, looped } => relay.relay.open_video(media, *looped, timeout),
            RelayInput::Hls { url, hls_js } => relay.relay.open_hls(url, hls_js, timeout),
        };
        // On failure `relay` drops here and closes everything it had opened.
        JsFuture::from(opening)
            .await
            .map_err(|e| SdkError::from_tagged(e, "the source could not be opened"))?;
        Ok(relay)
    }

    /// The size of the picture sent (the video's, fitted within the caps).
    pub fn picture_size(&self) -> (u32, u32) {
        (self.relay.width(), self.relay.height())
    }

    /// The canvas capture stream (one video track).
    pub fn stream(&self) -> MediaStream {
        self.relay.stream()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.relay.close();
    }
}
