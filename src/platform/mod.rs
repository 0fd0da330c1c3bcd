//! Platform owners: one struct per browser resource, each releasing it in `Drop`.

pub mod error;
pub mod http;
pub mod json;
pub mod media;
pub mod peer;
pub mod runtime;
pub mod socket;
pub mod timer;

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;
