//! The stream endpoints (§4–§8) and `GET /models` (§11): axum handlers over the
//! [`Registry`](super::registry::Registry). A stream's video arrives through the
//! emulator's own LiveKit server: the room is named by the stream id, and its frame
//! sink is the stream's frame store.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use overshoot_protocol::v1beta::streams::{
    CreateStreamBody, CreatedStream, Deleted, KeepaliveAnswer, LiveKitGrant, Model, ModelList,
    SourceInfo, StreamState, ViewGrant, ViewerToken,
};
use overshoot_protocol::v1beta::validate::validate_create;

use super::config::RepeatDelete;
use super::http::{caller, check_region, parse_body, with_region, Caller, V1Error};
use super::registry::{EndReason, V1Stream};
use super::{lock, sweep};
use crate::peer::unix_ms;
use crate::state::{rand_u32, AppState};

/// Lifetime of a viewer token (§8: currently 300 s).
pub const VIEWER_TOKEN_SECONDS: u32 = 300;
/// The identity a stream's publisher joins its room as.
pub const PUBLISHER_IDENTITY: &str = "publisher";
/// What `422` says for a camera source (the emulator reaches none, §4).
pub const SOURCE_UNREACHABLE: &str =
    "Could not connect to source url (check reachability and credentials)";

/// A random (version 4) UUID.
pub fn new_uuid() -> String {
    let words = [rand_u32(), rand_u32(), rand_u32(), rand_u32()];
    let mut b: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// LiveKit credentials for room `id`: a publish token, or a subscribe-only one.
fn grant(state: &AppState, id: &str, publish: bool) -> Result<LiveKitGrant, V1Error> {
    let tokens = &state.livekit.tokens;
    let minted = if publish {
        tokens.mint(id, PUBLISHER_IDENTITY)
    } else {
        let identity = format!("viewer-{:08x}", rand_u32());
        let lifetime = Duration::from_secs(u64::from(VIEWER_TOKEN_SECONDS));
        tokens.mint_with(id, &identity, false, lifetime)
    };
    let token = minted.map_err(|e| {
        V1Error::Plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot sign a LiveKit token: {e}"),
        )
    })?;
    Ok(LiveKitGrant {
        kind: "livekit".into(),
        url: state.livekit_url(),
        token,
    })
}

/// Reads `POST /streams`' optional body: nothing, blank, `{}` or `{"source": …}`.
fn parse_create(body: &str) -> Result<CreateStreamBody, V1Error> {
    if body.trim().is_empty() {
        return Ok(CreateStreamBody::default());
    }
    parse_body(body)
}

/// `POST /streams`.
pub async fn create(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: String,
) -> Result<Response, V1Error> {
    let Caller {
        key,
        requested,
        config,
    } = caller(&state, &headers)?;
    check_region(&requested, &config.region)?;
    if state.v1beta.faults.take_create_unavailable(&key) {
        let msg = "Stream creation is temporarily unavailable; retry shortly";
        return Err(V1Error::Plain(StatusCode::SERVICE_UNAVAILABLE, msg.into()));
    }
    if state.v1beta.faults.take_create_insufficient_credits(&key) {
        let status = StatusCode::PAYMENT_REQUIRED;
        return Err(V1Error::Plain(status, "Insufficient credits".into()));
    }
    let body = parse_create(&body)?;
    validate_create(&body).map_err(|e| V1Error::body_field(&e.field, e.message))?;
    if body.source.is_some() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return Err(V1Error::Plain(status, SOURCE_UNREACHABLE.into()));
    }
    let cap = config.max_streams_per_key as usize;
    sweep(&state, unix_ms());
    if cap > 0 && lock(&state.v1beta.registry).active_count(&key) >= cap {
        let msg = format!("At most {cap} concurrent streams per API key");
        return Err(V1Error::Plain(StatusCode::TOO_MANY_REQUESTS, msg));
    }
    let id = new_uuid();
    let publish = grant(&state, &id, true)?;
    let sink = Arc::clone(&state.livekit.rooms.room(&id).sink);
    let now = unix_ms();
    let created = {
        let mut registry = lock(&state.v1beta.registry);
        let stream = registry.create(id.clone(), &key, sink, now, &config);
        CreatedStream {
            id: stream.id.clone(),
            state: StreamState::Active,
            source: (!config.omit_create_source).then_some(SourceInfo {
                kind: stream.source,
            }),
            publish: Some(publish),
            expires_at_ms: stream.expires_at_ms,
            ttl_seconds: config.ttl_seconds,
        }
    };
    eprintln!("emulator: v1beta stream {id} created");
    let answer = (StatusCode::CREATED, Json(created));
    Ok(with_region(answer, &config.region))
}

/// The caller's stream `id` (active or in its tombstone) after the region check,
/// handed to `f` under the registry lock.
fn with_stream<T>(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    f: impl FnOnce(&mut super::registry::Registry, &V1Stream, &str, i64) -> Result<T, V1Error>,
) -> Result<T, V1Error> {
    let Caller { key, requested, .. } = caller(state, headers)?;
    let now = unix_ms();
    sweep(state, now);
    let mut registry = lock(&state.v1beta.registry);
    let stream = registry
        .find(id, &key)
        .map_err(|_| V1Error::stream_not_found())?
        .clone();
    check_region(&requested, &stream.region)?;
    f(&mut registry, &stream, &key, now)
}

/// `GET /streams/{id}`.
pub async fn status(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, V1Error> {
    let config = state.v1beta.config();
    with_stream(&state, &headers, &id, |_, stream, _, now| {
        Ok(with_region(
            Json(stream.status(now, &config)),
            &stream.region,
        ))
    })
}

/// `POST /streams/{id}/keepalive`.
pub async fn keepalive(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, V1Error> {
    let config = state.v1beta.config();
    with_stream(&state, &headers, &id, |registry, stream, key, now| {
        if !stream.is_active() {
            return Err(V1Error::stream_not_found());
        }
        if state.v1beta.faults.take_keepalive_unavailable(key) {
            let msg = "Keepalive temporarily unavailable; retry shortly";
            return Err(V1Error::Plain(StatusCode::SERVICE_UNAVAILABLE, msg.into()));
        }
        let renewed = registry
            .keepalive(&stream.id, key, now, &config)
            .ok_or_else(V1Error::stream_not_found)?;
        let publish = grant(&state, &stream.id, true)?;
        // What a LiveKit server does with a fresh token: the connected publisher gets
        // it as `refresh_token` (livekit-client keeps it for its reconnects).
        state
            .livekit
            .rooms
            .refresh_token(&stream.id, &publish.token);
        let answer = KeepaliveAnswer {
            id: renewed.id.clone(),
            expires_at_ms: renewed.expires_at_ms,
            ttl_seconds: config.ttl_seconds,
            stream_time_ms: renewed.stream_time_ms(now, &config),
            publish: Some(publish),
        };
        Ok(with_region(Json(answer), &stream.region))
    })
}

/// `DELETE /streams/{id}`: ends the stream, drops its frames, releases its room.
/// Repeated while the tombstone lasts: `200` again, or `404` (§16.14 switch).
pub async fn delete(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, V1Error> {
    let config = state.v1beta.config();
    with_stream(&state, &headers, &id, |registry, stream, _, now| {
        if stream.is_active() {
            registry.end(&stream.id, EndReason::Deleted, now, &config);
            state.livekit.end_room_soon(&stream.id);
            eprintln!("emulator: v1beta stream {} ended: deleted", stream.id);
        } else if config.repeat_delete == RepeatDelete::NotFound {
            return Err(V1Error::stream_not_found());
        }
        let answer = Deleted {
            id: stream.id.clone(),
            deleted: true,
        };
        Ok(with_region(Json(answer), &stream.region))
    })
}

/// `POST /streams/{id}/viewer-token`: subscribe-only credentials for the room.
pub async fn viewer_token(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, V1Error> {
    with_stream(&state, &headers, &id, |_, stream, _, _| {
        if !stream.is_active() {
            return Err(V1Error::stream_not_found());
        }
        let answer = ViewerToken {
            id: stream.id.clone(),
            view: ViewGrant {
                grant: grant(&state, &stream.id, false)?,
                expires_in_seconds: VIEWER_TOKEN_SECONDS,
            },
        };
        Ok(with_region(Json(answer), &stream.region))
    })
}

/// The models the emulator serves (the ids of `models.mdx`'s 2026-06-16 snapshot and
/// the two older example ids), all `ready`: `(id, takes video)`.
pub const MODELS: [(&str, bool); 15] = [
    ("Qwen/Qwen3.6-27B-FP8", true),
    ("Qwen/Qwen3.6-35B-A3B-FP8", true),
    ("google/gemma-4-31B-it", true),
    ("google/gemma-4-26B-A4B-it", true),
    ("Hcompany/Holo3-35B-A3B", true),
    ("gemini-3-flash-preview", true),
    ("gemini-3.1-pro-preview", true),
    ("claude-haiku-4-5-20251001", false),
    ("claude-sonnet-4-6", false),
    ("claude-opus-4-6", false),
    ("gpt-5.4-nano", false),
    ("gpt-5.4-mini", false),
    ("gpt-5.4", false),
    ("google/gemma-4-E4B-it", true),
    ("Qwen/Qwen3.5-9B", true),
];

/// `GET /models` (no auth).
pub async fn models() -> Response {
    let data = MODELS
        .iter()
        .map(|(id, _)| Model {
            id: (*id).to_string(),
            object: "model".into(),
            created: 1_781_568_000,
            owned_by: if id.contains('/') {
                "overshoot"
            } else {
                "passthrough"
            }
            .into(),
            status: "ready".into(),
        })
        .collect();
    Json(ModelList {
        object: "list".into(),
        data,
    })
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4() {
        let id = new_uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert!(matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
        assert_ne!(id, new_uuid());
    }

    #[test]
    fn create_bodies_are_optional() {
        assert_eq!(parse_create(""), Ok(CreateStreamBody::default()));
        assert_eq!(parse_create(" {} "), Ok(CreateStreamBody::default()));
        let camera = parse_create(r#"{"source": {"type": "rtsp", "url": "rtsp://cam/1"}}"#);
        assert!(camera.is_ok_and(|b| b.source.is_some()));
        match parse_create(r#"{"source": {"type": "rtsp"}}"#) {
            Err(V1Error::Validation { loc, .. }) => assert_eq!(loc, ["body", "source"]),
            other => panic!("{other:?}"),
        }
    }
}
