//! Bindings to `js/runtime.js`, the package's small JS half: error classes, the
//! result hot path (results are parsed and delivered there, never in wasm), the
//! worker-backed timers, and the stand-in for `js/sources.js` (bound in
//! `media/relay.rs`; `js/livekit.js`'s is in `js/runtime-full.js`, bound in `room.rs`);
//! and to `js/connection.js`: the preconnect hint, the deferred frame-rate cap and the
//! `getStats()` summary.

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

    /// `JSON.parse` of a socket message plus a shape check; `null` when it is not a result.
    #[cfg(test)]
    #[wasm_bindgen(js_name = parseResult)]
    pub fn parse_result(data: &JsValue) -> JsValue;

    /// A timer kept in a dedicated worker (not throttled in hidden tabs), or in
    /// `setTimeout` where workers are unavailable; see `WorkerTimer` in `js/runtime.js`
    /// (also the relay's draw ticks, in `js/sources.js`).
    #[derive(Clone)]
    pub type WorkerTimer;

    /// Schedules `callback` once, after `ms` milliseconds; never throws.
    #[wasm_bindgen(constructor)]
    pub fn new(ms: u32, callback: &js_sys::Function) -> WorkerTimer;

    /// Stops the timer for good: terminates the worker, revokes its Blob URL, clears
    /// the fallback timeout.
    #[wasm_bindgen(method)]
    pub fn cancel(this: &WorkerTimer);

    /// `"worker"`, or `"main"` once it fell back to `setTimeout`.
    #[wasm_bindgen(method, getter)]
    pub fn mode(this: &WorkerTimer) -> String;

    /// The worker's Blob URL while it is in use, else `null` (revoked).
    #[wasm_bindgen(method, getter)]
    pub fn url(this: &WorkerTimer) -> JsValue;

    /// Stops the tracks of the stream `pending` resolves to, if it ever does; ignores a
    /// rejection (a getUserMedia the caller gave up on, see `media/camera.rs`).
    #[wasm_bindgen(js_name = stopLateStream)]
    pub fn stop_late_stream(pending: &js_sys::Promise);

    /// A session's result sink: `onResult` plus the counts `getStats()` reports.
    #[wasm_bindgen(js_name = resultSink)]
    pub fn result_sink(on_result: &js_sys::Function) -> JsValue;

    /// Opens the results socket: sends the API key when open, delivers results to
    /// `sink`, calls `notice(malformed)` for the first message and every malformed one.
    #[wasm_bindgen(js_name = openResultsSocket, catch)]
    pub fn open_results_socket(
        url: &str,
        api_key: &str,
        sink: &JsValue,
        notice: &js_sys::Function,
    ) -> Result<web_sys::WebSocket, JsValue>;
}

// v1beta's part (`js/runtime-full.js`, which only the full module imports).
#[wasm_bindgen(module = "/js/runtime-full.js")]
extern "C" {
    /// Delivers a v1beta answer built in wasm like a socket result (`json()` added,
    /// counted in `sink`, handed to `onResult`).
    #[wasm_bindgen(js_name = deliverResult)]
    pub fn deliver_result(sink: &JsValue, result: &JsValue);

    /// Gives an object built in wasm the methods of a result (`json()`); returns it.
    #[wasm_bindgen(js_name = asResult)]
    pub fn as_result(result: &JsValue) -> JsValue;

    /// Reads a fetch `Response`'s body as decoded text pieces (`next()`, `cancel()`).
    pub type TextPieces;

    /// Starts reading `response`'s body; throws when it has none.
    #[wasm_bindgen(js_name = textPieces, catch)]
    pub fn text_pieces(response: &web_sys::Response) -> Result<TextPieces, JsValue>;

    /// The next piece of text, or `null` at the end of the body.
    #[wasm_bindgen(method)]
    pub fn next(this: &TextPieces) -> js_sys::Promise;

    /// Stops reading (the answer is abandoned).
    #[wasm_bindgen(method)]
    pub fn cancel(this: &TextPieces);
}

#[wasm_bindgen(module = "/js/connection.js")]
extern "C" {
    /// Reduces an `RTCStatsReport` (or `null`) to the package's `SessionStats`, with
    /// rates computed against `previous` (the last summary, or `undefined`) and the
    /// result counts of `sink` (a `resultSink`, or `undefined` before the first start).
    #[wasm_bindgen(js_name = summarizeStats)]
    pub fn summarize_stats(
        report: &JsValue,
        previous: &JsValue,
        sink: &JsValue,
        state: &str,
    ) -> JsValue;

    /// Adds a `<link rel="preconnect">` to the origin of `url`; returns the function
    /// that removes it, or `null` when no hint was added (same origin, no document).
    #[wasm_bindgen(catch)]
    pub fn preconnect(url: &str) -> Result<JsValue, JsValue>;

    /// Caps the video sender of `pc` to `max_framerate` and `max_bitrate` (and keeps
    /// resolution over frame rate) as soon as its first frame has been sent; never
    /// throws. Returns the function that cancels the wait.
    #[wasm_bindgen(js_name = capAfterFirstFrame)]
    pub fn cap_after_first_frame(
        pc: &RtcPeerConnection,
        max_framerate: f64,
        max_bitrate: f64,
    ) -> js_sys::Function;
}
