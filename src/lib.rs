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

/// talc instead of Rust's default dlmalloc: 2.8 KB gzip smaller and faster
/// (https://github.com/SFBdragon/talc/blob/master/talc/README_WASM.md).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
