//! What the gateway allows, decided without any I/O: which calls a user may make,
//! and when a stream whose user has gone must be deleted upstream.

mod denial;
mod unique_keys;
pub mod v1beta;

pub use denial::{Denial, Shape};
use overshoot_protocol::{validate_request, CreateStreamRequest};
use serde_json::Value;

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
    /// v1beta chats without an `ovs://` reference to one of the caller's streams
    /// (text only, or `https:`/`data:` media) are allowed.
    pub allow_external_media: bool,
    /// v1beta chats per user per minute (0: no limit).
    pub chat_rate_per_minute: u32,
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
    check_model("inference.model", &request.inference.model, limits)
}

/// The `--allow-model` list: `model`, found in `field`, must be on it (if there is one).
fn check_model(field: &str, model: &str, limits: &Limits) -> Result<(), Denial> {
    if limits.allowed_models.is_empty() || limits.allowed_models.iter().any(|m| m == model) {
        return Ok(());
    }
    Err(Denial::Invalid {
        field: field.into(),
        message: format!(
            "{field}: {model:?} is not allowed here (allowed: {})",
            limits.allowed_models.join(", ")
        ),
    })
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

/// The lease (ms) an answer object grants in its `ttl_seconds`, or `default_ms`.
pub fn ttl_ms(answer: Option<&Value>, default_ms: u64) -> u64 {
    answer
        .and_then(|a| a.get("ttl_seconds"))
        .and_then(Value::as_f64)
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(default_ms, |s| (s * 1000.0) as u64)
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
#[path = "tests.rs"]
mod tests;
