//! What the gateway allows, decided without any I/O: which calls a user may make,
//! and when a stream whose user has gone must be deleted upstream.

use overshoot_protocol::{validate_request, CreateStreamRequest};
use serde_json::{json, Value};

/// Largest request body accepted (bytes).
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The limits `serve` was started with.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// Concurrent streams per user.
    pub max_streams_per_user: u32,
    /// Models a stream may use; empty means any.
    pub allowed_models: Vec<String>,
    /// A stream is deleted this long after its creation, whatever its user does.
    pub max_stream_seconds: Option<u64>,
    /// A stream whose results socket closed is deleted unless one reopens within this.
    pub orphan_grace_seconds: u64,
}

/// A refused call, in the upstream's error vocabulary.
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
    /// The body is not a valid create request, or names a model not allowed (422).
    Invalid {
        /// The offending field, e.g. `inference.model`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The body is larger than [`MAX_BODY_BYTES`] (413).
    BodyTooLarge,
    /// No route matches (404).
    UnknownPath,
}

impl Denial {
    /// HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Denial::Unauthorized(_) => 401,
            Denial::NotFound | Denial::UnknownPath => 404,
            Denial::TooManyStreams { .. } => 429,
            Denial::Invalid { .. } => 422,
            Denial::BodyTooLarge => 413,
        }
    }

    /// The error body `{error, message, details?}` (the caller adds `request_id`).
    pub fn body(&self) -> Value {
        let (code, message, details) = match self {
            Denial::Unauthorized(why) => (
                "unauthorized",
                format!("invalid or missing token: {why}"),
                None,
            ),
            Denial::NotFound => ("stream_not_found", "unknown or expired stream".into(), None),
            Denial::UnknownPath => ("not_found", "no such endpoint".into(), None),
            Denial::TooManyStreams { cap } => (
                "too_many_streams",
                format!("at most {cap} concurrent streams per user"),
                None,
            ),
            Denial::Invalid { field, message } => (
                "validation_error",
                message.clone(),
                Some(json!({ "field": field })),
            ),
            Denial::BodyTooLarge => (
                "payload_too_large",
                format!("request bodies are limited to {MAX_BODY_BYTES} bytes"),
                None,
            ),
        };
        let mut body = json!({"error": code, "message": message});
        if let Some(details) = details {
            body["details"] = details;
        }
        body
    }
}

/// Reads and checks a `POST /streams` body: the protocol core's parsing and rules (the
/// same the package and the emulator apply), then the `--allow-model` list.
pub fn check_create_body(body: &[u8], limits: &Limits) -> Result<(), Denial> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Denial::BodyTooLarge);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let request: CreateStreamRequest<Value> = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| Denial::Invalid {
        field: e.path().to_string(),
        message: format!("malformed request: {}", e.inner()),
    })?;
    validate_request(&request).map_err(|e| Denial::Invalid {
        field: e.field.to_string(),
        message: e.to_string(),
    })?;
    let model = &request.inference.model;
    if !limits.allowed_models.is_empty() && !limits.allowed_models.iter().any(|m| m == model) {
        return Err(Denial::Invalid {
            field: "inference.model".into(),
            message: format!(
                "inference.model: {model:?} is not allowed here (allowed: {})",
                limits.allowed_models.join(", ")
            ),
        });
    }
    Ok(())
}

/// A `GET /models` answer showing only the `--allow-model` models (`None`: pass the
/// answer on as it is: no allow-list, or not a list of models).
pub fn allowed_models_only(body: &[u8], limits: &Limits) -> Option<Vec<u8>> {
    if limits.allowed_models.is_empty() {
        return None;
    }
    let mut models: Vec<Value> = serde_json::from_slice(body).ok()?;
    models.retain(|m| {
        m.get("model")
            .and_then(Value::as_str)
            .is_some_and(|name| limits.allowed_models.iter().any(|a| a == name))
    });
    serde_json::to_vec(&models).ok()
}

/// What the gateway knows about a stream's liveness (times in ms since the Unix epoch).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Liveness {
    /// When the stream was created.
    pub created_ms: u64,
    /// The last successful keepalive (or the creation).
    pub renewed_ms: u64,
    /// The upstream lease (ms).
    pub lease_ms: u64,
    /// Results sockets open now, over all instances.
    pub sockets_open: i64,
    /// When the last results socket closed, if one did and none is open.
    pub socket_closed_ms: Option<u64>,
}

/// Why a stream is deleted behind its user's back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Orphaned {
    /// No keepalive within the lease.
    LeaseLapsed,
    /// The results socket closed and was not reopened within the grace.
    SocketGone,
    /// `--max-stream-seconds` reached.
    TooOld,
}

impl Orphaned {
    /// Name for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Orphaned::LeaseLapsed => "lease_lapsed",
            Orphaned::SocketGone => "socket_gone",
            Orphaned::TooOld => "max_stream_seconds",
        }
    }
}

/// Whether a stream must be deleted now.
pub fn orphaned(stream: &Liveness, now_ms: u64, limits: &Limits) -> Option<Orphaned> {
    if let Some(max) = limits.max_stream_seconds {
        if now_ms >= stream.created_ms.saturating_add(max * 1000) {
            return Some(Orphaned::TooOld);
        }
    }
    if now_ms > stream.renewed_ms.saturating_add(stream.lease_ms) {
        return Some(Orphaned::LeaseLapsed);
    }
    match stream.socket_closed_ms {
        Some(closed)
            if stream.sockets_open <= 0
                && now_ms >= closed.saturating_add(limits.orphan_grace_seconds * 1000) =>
        {
            Some(Orphaned::SocketGone)
        }
        _ => None,
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
