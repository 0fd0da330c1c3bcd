//! Platform owners: one struct per browser resource, each releasing it in `Drop`.

pub mod credential;
pub mod error;
pub mod http;
pub mod js_object;
pub mod json;
pub mod media;
pub mod page;
pub mod peer;
#[cfg(feature = "livekit")]
pub mod room;
pub mod runtime;
pub mod socket;
pub mod timer;
#[cfg(feature = "v1beta")]
pub mod v1beta_http;
#[cfg(feature = "v1beta")]
pub mod v1beta_wire;
pub mod wire_response;

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;

#[cfg(all(test, target_arch = "wasm32", feature = "v1beta"))]
mod v1beta_browser_tests;
