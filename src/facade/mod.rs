//! The `#[wasm_bindgen]` surface: two classes and their TypeScript declarations.

mod config;

mod realtime_vision;
mod source_config;
mod stream_client;
mod stream_client_v1beta;
mod typescript;
mod typescript_v1beta;
mod v1beta;
#[cfg(feature = "v1beta")]
mod v1beta_calls;
mod wire_request;

pub use realtime_vision::RealtimeVision;
pub use stream_client::StreamClient;

use std::future::Future;
use std::pin::Pin;
use wasm_bindgen::JsValue;

/// The promise of an async method. The future is boxed so that wasm-bindgen-futures'
/// promise plumbing is compiled once, not once per method (see the size profile in
/// BENCHMARKS.md).
fn promise(future: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> js_sys::Promise {
    let boxed: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>> = Box::pin(future);
    wasm_bindgen_futures::future_to_promise(boxed)
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;

#[cfg(all(test, target_arch = "wasm32"))]
mod fuzz_tests;

#[cfg(all(test, target_arch = "wasm32", feature = "v1beta"))]
mod v1beta_browser_tests;
