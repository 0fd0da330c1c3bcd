//! Refused calls and their answers, in the error vocabulary of the API generation
//! (and, in v1beta, of the endpoint) the caller spoke to.

use super::MAX_BODY_BYTES;
use overshoot_protocol::v1beta::errors::{ChatErrorCode, ErrorEnvelope};
use overshoot_protocol::FieldError;
use serde_json::{json, Value};

/// A refused call (or one the gateway could not complete), independent of its shape.
#[derive(Clone, Debug, PartialEq)]
pub enum Denial {
    /// No valid token (401; the socket closes with 1008).
    Unauthorized(&'static str),
    /// The stream does not exist for this user (404; socket: 1001 `stream ended: not_found`).
    NotFound,
    /// The user already has `cap` open streams (429).
    TooManyStreams {
        /// The cap.
        cap: u32,
    },
    /// The body is not a valid request, or names a model not allowed (422).
    Invalid {
        /// The offending field, e.g. `inference.model`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A chat request's `ovs://` reference is malformed (v1beta: the documented code's status).
    BadReference {
        /// `stream_url_invalid` or `query_param_invalid`.
        code: ChatErrorCode,
        /// What is wrong.
        message: String,
    },
    /// A chat request references a stream the caller does not own (404 `stream_not_found`).
    ForeignStream(String),
    /// The user made more than `per_minute` chats this minute (429, `retry-after`).
    ChatRateLimited {
        /// The limit.
        per_minute: u32,
        /// Seconds until the next minute window.
        retry_after_s: u64,
    },
    /// The body is larger than [`MAX_BODY_BYTES`] (413).
    BodyTooLarge,
    /// No route matches (404).
    UnknownPath,
    /// The gateway's store cannot be reached (503).
    StoreUnavailable,
    /// The upstream gave no answer that can be passed on (502).
    BadGateway(&'static str),
}

/// Which error vocabulary an answer uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// The streams API: `{error: "code", message, details?}`.
    Streams,
    /// v1beta's stream endpoints: `{detail: "text"}`; 422 `{error: "validation_error", details: [{loc…}]}`.
    V1beta,
    /// v1beta's `/chat/completions`: `{detail: {error: {message, type, code}}}` for stream errors.
    V1betaChat,
}

impl Denial {
    /// The `retry-after` seconds the answer carries, if any.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Denial::ChatRateLimited { retry_after_s, .. } => Some(*retry_after_s),
            _ => None,
        }
    }

    /// HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Denial::Unauthorized(_) => 401,
            Denial::NotFound | Denial::UnknownPath | Denial::ForeignStream(_) => 404,
            Denial::TooManyStreams { .. } | Denial::ChatRateLimited { .. } => 429,
            Denial::Invalid { .. } => 422,
            Denial::BadReference { code, .. } => code.status(),
            Denial::BodyTooLarge => 413,
            Denial::StoreUnavailable => 503,
            Denial::BadGateway(_) => 502,
        }
    }

    /// What went wrong, in words (no token material).
    fn message(&self) -> String {
        match self {
            Denial::Unauthorized(why) => format!("invalid or missing token: {why}"),
            Denial::NotFound => "unknown or expired stream".into(),
            Denial::ForeignStream(id) => format!("Stream not found: {id}"),
            Denial::UnknownPath => "no such endpoint".into(),
            Denial::TooManyStreams { cap } => format!("at most {cap} concurrent streams per user"),
            Denial::ChatRateLimited {
                per_minute,
                retry_after_s,
            } => format!(
                "at most {per_minute} chat requests per minute per user; retry in {retry_after_s} s"
            ),
            Denial::Invalid { message, .. } | Denial::BadReference { message, .. } => {
                message.clone()
            }
            Denial::BodyTooLarge => format!("request bodies are limited to {MAX_BODY_BYTES} bytes"),
            Denial::StoreUnavailable => "the gateway's store is unavailable".into(),
            Denial::BadGateway(why) => (*why).into(),
        }
    }

    /// The streams API's error body `{error, message, details?}` (the caller adds `request_id`).
    pub fn body(&self) -> Value {
        let code = match self {
            Denial::Unauthorized(_) => "unauthorized",
            Denial::NotFound | Denial::ForeignStream(_) => "stream_not_found",
            Denial::UnknownPath => "not_found",
            Denial::TooManyStreams { .. } => "too_many_streams",
            Denial::ChatRateLimited { .. } => "rate_limited",
            Denial::Invalid { .. } | Denial::BadReference { .. } => "validation_error",
            Denial::BodyTooLarge => "payload_too_large",
            Denial::StoreUnavailable => "unavailable",
            Denial::BadGateway(_) => "bad_gateway",
        };
        let mut body = json!({"error": code, "message": self.message()});
        if let Denial::Invalid { field, .. } = self {
            body["details"] = json!({ "field": field });
        }
        body
    }

    /// The body in `shape` (the caller adds `request_id`).
    pub fn body_in(&self, shape: Shape) -> Value {
        let envelope = match (shape, self) {
            (Shape::Streams, _) => return self.body(),
            (_, Denial::Invalid { field, message }) => {
                ErrorEnvelope::validation(&FieldError::new(field, message.clone()))
            }
            (_, Denial::BadReference { code, message }) => ErrorEnvelope::chat(*code, message),
            (Shape::V1betaChat, Denial::NotFound | Denial::ForeignStream(_)) => {
                ErrorEnvelope::chat(ChatErrorCode::StreamNotFound, self.message())
            }
            // `rate_limit_error`, which the package reads as a rate limit.
            (Shape::V1betaChat, Denial::ChatRateLimited { .. }) => {
                ErrorEnvelope::chat(ChatErrorCode::UpstreamHttp(429), self.message())
            }
            _ => return json!({ "detail": self.message() }),
        };
        serde_json::to_value(envelope).unwrap_or_else(|_| json!({ "detail": self.message() }))
    }
}
