//! Pure-Rust core of `overshoot-wasm`: everything about Overshoot's streams API that
//! does not need a browser.
//!
//! - [`wire`]: the JSON shapes of requests, responses and results (spec:
//!   `shared/spec/streams-api.md`), shared by the browser package and the emulator.
//! - [`body`]: the create body as a field tree, for a platform JSON encoder.
//! - [`validate`]: the one table of rules both sides enforce before a stream exists.
//! - [`errors`]: HTTP status and WebSocket close code classification.
//! - [`endpoints`]: URL building (paths, `http`→`ws`), without ever touching the API key.
//! - [`lease`], [`backoff`]: when to renew and when to retry.
//! - [`number`]: numbers in messages, without float formatting code.
//! - [`state`]: the session lifecycle.
//! - [`v1beta`]: the newer API generation (streams plus `/chat/completions` with `ovs://`
//!   references); everything above is the streams API (`/v1`, `/v0.2`).
//!
//! Nothing here depends on `web-sys` or `js-sys`; `cargo test -p overshoot-protocol` runs natively.

pub mod backoff;
pub mod body;
pub mod endpoints;
pub mod errors;
pub mod lease;
pub mod number;
pub mod send_limits;
pub mod state;
pub mod v1beta;
pub mod validate;
pub mod wire;

pub use errors::{classify_close, kind_for_end_reason, CloseKind, ErrorKind};
pub use state::SessionState;
pub use validate::{validate_request, validate_source, FieldError};
pub use wire::*;
