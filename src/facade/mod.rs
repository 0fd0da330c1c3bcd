//! The `#[wasm_bindgen]` surface: two classes and their TypeScript declarations.

mod config;

mod realtime_vision;
mod source_config;
mod stream_client;
mod typescript;
mod wire_request;

pub use realtime_vision::RealtimeVision;
pub use stream_client::StreamClient;

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;

#[cfg(all(test, target_arch = "wasm32"))]
mod fuzz_tests;
