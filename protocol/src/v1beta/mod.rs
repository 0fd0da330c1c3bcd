//! Overshoot's v1beta API (spec: `shared/spec/overshoot-v1beta.md`): streams that only
//! ingest video, published through LiveKit, and OpenAI-compatible chat completions that
//! name frames and clips with `ovs://` references. One rule table for the browser
//! package, the emulator and the gateway.
//!
//! - [`streams`]: wire types of the stream endpoints and `/models`.
//! - [`answer`]: chat answers and SSE chunks into one result, in the streams-API shape.
//! - [`billing`]: wire types of the billing endpoints beside `/v1beta`.
//! - [`chat`]: wire types of `/chat/completions`: request, JSON answer, SSE chunks.
//! - [`chat_body`]: the chat request as a JSON field tree (no serde in the browser).
//! - [`sse`]: splitting an SSE body into chunk events.
//! - [`question`]: the request for one question about the package's own stream.
//! - [`media`]: which media parts are `ovs://` references, parsed.
//! - [`reference`](mod@reference): the `ovs://streams/{id}?…` grammar: builder and parser.
//! - [`resolve`]: the §9.3 resolution of a reference against retained frames.
//! - [`validate`]: the request rules (ranges, required fields, §13 limits).
//! - [`errors`]: the error envelopes and their classification into [`ErrorKind`].
//! - [`retry`]: the region header, lease renewal cadence and retry rules.
//! - [`endpoints`]: generation selection from `apiUrl` and v1beta paths.
//!
//! [`ErrorKind`]: crate::errors::ErrorKind

pub mod answer;
pub mod billing;
pub mod chat;
pub mod chat_body;
pub mod endpoints;
pub mod errors;
mod loc;
pub mod media;
pub mod question;
pub mod reference;
pub mod resolve;
pub mod retry;
pub mod sse;
pub mod streams;
pub mod validate;
