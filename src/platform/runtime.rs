//! Bindings to `js/runtime.js`, the package's small JS half: error classes and the
//! result hot path.

use wasm_bindgen::prelude::*;
use web_sys::RtcPeerConnection;

#[wasm_bindgen(module = "/js/runtime.js")]
extern "C" {
    /// `new <name>(message, {status, requestId, details, cause})`, a subclass of
    /// `OvershootError`.
    #[wasm_bindgen(js_name = makeError)]
    pub fn make_error(
        name: &str,
        message: &str,
        status: JsValue,
        request_id: JsValue,
        details: &JsValue,
        cause: &JsValue,
    ) -> JsValue;

    /// Reduces an `RTCStatsReport` (or `null`) to the package's `SessionStats`, with
    /// rates computed against `previous` (the last summary, or `undefined`).
    #[wasm_bindgen(js_name = summarizeStats)]
    pub fn summarize_stats(
        report: &JsValue,
        previous: &JsValue,
        results_received: u32,
        last_result_latency_ms: &JsValue,
        state: &str,
    ) -> JsValue;

    /// `JSON.parse` of a socket message plus a shape check; `null` when it is not a result.
    #[wasm_bindgen(js_name = parseResult)]
    pub fn parse_result(data: &JsValue) -> JsValue;

    /// Caps the video sender of `pc` to `max_framerate` (and keeps resolution over
    /// frame rate) as soon as its first frame has been sent; never throws.
    #[wasm_bindgen(js_name = capFramerateAfterFirstFrame)]
    pub fn cap_framerate_after_first_frame(pc: &RtcPeerConnection, max_framerate: f64);
}
