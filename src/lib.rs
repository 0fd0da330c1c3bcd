//! `overshoot-wasm`: real-time vision-language inference on live video with
//! Overshoot's streams API, from the browser.
//!
//! Three layers, one folder each:
//! - `overshoot-protocol` (workspace crate `protocol/`): wire types, validation,
//!   defaults and classification; pure Rust, tested natively.
//! - [`platform`]: one owner struct per browser resource (media, peer connection,
//!   results socket, timer, HTTP), each releasing its resource in `Drop`.
//! - [`session`]: the single async task that owns a running stream's state; browser
//!   callbacks reach it through one channel.
//! - [`facade`]: the thin `#[wasm_bindgen]` classes apps use (`RealtimeVision`,
//!   `StreamClient`) and the TypeScript declarations.

pub mod facade;
pub mod platform;
pub mod session;
