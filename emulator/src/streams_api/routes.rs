//! The HTTP endpoints of the streams API, as the spec describes them.

use crate::model::{check_schema, off_workers};
use crate::peer;
use crate::peer::PeerHandle;
use crate::state::{watch_lease, AppState, Stream, Transport};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use overshoot_protocol::{validate_request, Backend, CreateStreamRequest, Source};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An error answer in the spec's shape.
pub fn error(status: StatusCode, code: &str, message: &str, details: Option<Value>) -> Response {
    let mut body = json!({"error": code, "message": message, "request_id": format!("req-{:08x}", crate::state::rand_u32())});
    if let Some(d) = details {
        body["details"] = d;
    }
    (status, Json(body)).into_response()
}

/// Holds the answer when a delay fault is armed for `endpoint`.
async fn delay_if_armed(state: &AppState, key: &str, endpoint: &str) {
    if let Some(delay) = state.faults.take_delay(key, endpoint) {
        tokio::time::sleep(delay).await;
    }
}

/// The bearer key, if it is one the emulator knows.
fn authorize(state: &AppState, headers: &HeaderMap) -> Result<String, Response> {
    state.known_key(headers).ok_or_else(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "invalid or missing API key",
            None,
        )
    })
}

fn stream_of(state: &AppState, headers: &HeaderMap, id: &str) -> Result<Arc<Stream>, Response> {
    let key = authorize(state, headers)?;
    state.get(id, &key).ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            "stream_not_found",
            "unknown or expired stream",
            None,
        )
    })
}

/// The caller's open stream `id`, after any delay armed for `endpoint`.
async fn stream_for(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    endpoint: &str,
) -> Result<Arc<Stream>, Response> {
    let stream = stream_of(state, headers, id)?;
    delay_if_armed(state, &stream.api_key, endpoint).await;
    Ok(stream)
}

/// `POST /streams`.
pub async fn create_stream(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let key = match authorize(&state, &headers) {
        Ok(k) => k,
        Err(r) => return r,
    };
    delay_if_armed(&state, &key, "create").await;
    if state.faults.take_create_error(&key) {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "injected fault",
            None,
        );
    }
    if state.out_of_credits(&key) {
        return error(
            StatusCode::PAYMENT_REQUIRED,
            "insufficient_credits",
            "this API key is out of credits",
            None,
        );
    }
    if state.open_count(&key) >= state.settings.max_streams_per_key {
        let message = format!(
            "at most {} concurrent streams per API key",
            state.settings.max_streams_per_key
        );
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_streams",
            &message,
            None,
        );
    }
    let mut deserializer = serde_json::Deserializer::from_str(&body);
    let request: CreateStreamRequest<Value> =
        match serde_path_to_error::deserialize(&mut deserializer) {
            Ok(r) => r,
            Err(e) => {
                let field = e.path().to_string();
                let message = format!("malformed request: {}", e.inner());
                let details = (field != ".").then(|| json!({"field": field}));
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_error",
                    &message,
                    details,
                );
            }
        };
    if let Err(e) = validate_request(&request) {
        let details = json!({"field": e.field});
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            &e.to_string(),
            Some(details),
        );
    }
    let schema = request.inference.output_schema_json.clone();
    let checked = match schema {
        Some(schema) => off_workers(move || check_schema(&schema)).await,
        None => Ok(()),
    };
    if let Err(e) = checked {
        let details = json!({"field": "inference.output_schema_json"});
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            &e.to_string(),
            Some(details),
        );
    }
    let transport = match (&request.source, request.offer_sdp()) {
        (_, Some(_)) => Transport::Webrtc,
        (Some(_), None) => Transport::Livekit,
        (None, None) => Transport::Native,
    };
    let (peer, answer) = match request.offer_sdp() {
        Some(offer) => match accept_offer(&state, offer).await {
            Ok((peer, answer)) => (Some(peer), Some(answer)),
            Err(response) => return response,
        },
        None => (None, None),
    };
    let mode = request.effective_mode();
    let interval = request.processing.result_interval_seconds(mode);
    let interval = if interval > 0.0 {
        interval
    } else {
        request.processing.clip_length_seconds.unwrap_or(0.5)
    };
    let ttl = state.settings.ttl_seconds;
    let (ended, _) = tokio::sync::watch::channel(None);
    let id = state.new_id();
    // The LiveKit room whose frames the stream gets: the native transport's own room
    // (named by the stream id), or the app's room when its token is one the emulator
    // signed (a room on another server cannot be joined from here).
    let room = match (&request.source, transport) {
        (_, Transport::Native) => Some(id.clone()),
        (Some(Source::Livekit { token, .. }), _) => {
            state.livekit.tokens.verify(token).ok().map(|g| g.room)
        }
        _ => None,
    };
    let sink = match (&peer, &room) {
        (Some(p), _) => Some(p.sink()),
        (None, Some(room)) => Some(Arc::clone(&state.livekit.rooms.room(room).sink)),
        (None, None) => None,
    };
    let stream = Arc::new(Stream {
        id,
        api_key: key,
        mode,
        backend: request.inference.backend.unwrap_or(Backend::Overshoot),
        model: request.inference.model.clone(),
        result_interval: Duration::from_secs_f64(interval.max(0.05)),
        output_schema: request.inference.output_schema_json.clone(),
        prompt: Mutex::new(request.inference.prompt.clone()),
        peer,
        sink,
        room,
        transport,
        lease_deadline: Mutex::new(Instant::now() + Duration::from_secs_f64(ttl)),
        keepalives: AtomicU32::new(0),
        results_sent: AtomicU32::new(0),
        created_at: Instant::now(),
        ended,
    });
    state.insert(stream.clone());
    tokio::spawn(watch_lease(state.clone(), stream.clone()));
    eprintln!(
        "emulator: stream {} created ({:?}, result every {:.2} s)",
        stream.id, mode, interval
    );
    // The native transport's room, hosted here unless `--livekit-url` names another server.
    let livekit = match transport {
        Transport::Native => match livekit_token(&state, &stream.id) {
            Ok(token) => Some(json!({"url": state.livekit_url(), "token": token})),
            Err(r) => return r,
        },
        _ => None,
    };
    let turn_servers = if state.faults.take_malformed_create(&stream.api_key) {
        json!("turn:not-a-list")
    } else if transport == Transport::Webrtc {
        json!(state.settings.turn_servers)
    } else {
        Value::Null
    };
    Json(json!({
        "stream_id": stream.id,
        "webrtc": answer.map(|sdp| json!({"type": "answer", "sdp": sdp})),
        "lease": {"ttl_seconds": ttl},
        "turn_servers": turn_servers,
        "livekit": livekit,
    }))
    .into_response()
}

/// A fresh token for the native transport's room of `stream` (the room is named by
/// the stream id; the client publishes as `overshoot-client`).
fn livekit_token(state: &AppState, stream: &str) -> Result<String, Response> {
    state
        .livekit
        .tokens
        .mint(stream, "overshoot-client")
        .map_err(|e| {
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                &format!("cannot sign a LiveKit token: {e}"),
                None,
            )
        })
}

/// Answers a WebRTC offer with a decoding receiver, or the error response.
async fn accept_offer(state: &AppState, offer: &str) -> Result<(PeerHandle, String), Response> {
    // Binding a socket and building the DTLS context blocks briefly: keep it off the async workers.
    let offer = offer.to_string();
    let media_ip = state.settings.media_ip;
    let delay = state.settings.network_delay;
    let accepted =
        tokio::task::spawn_blocking(move || peer::accept_offer(&offer, media_ip, delay)).await;
    match accepted {
        Ok(Ok(ok)) => Ok(ok),
        Ok(Err(e)) => Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            &format!("offer rejected: {e}"),
            Some(json!({"field": "source.sdp"})),
        )),
        Err(e) => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            &format!("offer handling failed: {e}"),
            None,
        )),
    }
}

/// `POST /streams/{id}/keepalive`.
pub async fn keepalive(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let stream = match stream_for(&state, &headers, &id, "keepalive").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if state.faults.take_keepalive_error(&stream.api_key) {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "injected fault",
            None,
        );
    }
    if state.out_of_credits(&stream.api_key) {
        state.end(&id, "insufficient_credits");
        return error(
            StatusCode::PAYMENT_REQUIRED,
            "insufficient_credits",
            "this API key is out of credits",
            None,
        );
    }
    let ttl = state.settings.ttl_seconds;
    if let Ok(mut d) = stream.lease_deadline.lock() {
        *d = Instant::now() + Duration::from_secs_f64(ttl);
    }
    stream.keepalives.fetch_add(1, Ordering::Relaxed);
    let mut answer = json!({"status": "ok", "stream_id": id, "ttl_seconds": ttl});
    if stream.transport == Transport::Native {
        match livekit_token(&state, &id) {
            Ok(token) => answer["livekit_token"] = json!(token),
            Err(r) => return r,
        }
    }
    Json(answer).into_response()
}

/// `PATCH /streams/{id}/config/prompt`.
pub async fn update_prompt(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: String,
) -> Response {
    let stream = match stream_for(&state, &headers, &id, "prompt").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let prompt = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v.get("prompt").and_then(Value::as_str).map(str::to_string));
    let Some(prompt) = prompt.filter(|p| !p.trim().is_empty()) else {
        let details = json!({"field": "prompt"});
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            "prompt must be a non-empty string",
            Some(details),
        );
    };
    if let Ok(mut p) = stream.prompt.lock() {
        *p = prompt.clone();
    }
    Json(json!({"id": format!("cfg-{id}"), "stream_id": id, "prompt": prompt, "model": stream.model, "output_schema_json": stream.output_schema}))
        .into_response()
}

/// `DELETE /streams/{id}`.
pub async fn close_stream(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let stream = match stream_for(&state, &headers, &id, "delete").await {
        Ok(stream) => stream,
        Err(r) => return r,
    };
    if state.faults.take_delete_error(&stream.api_key) {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "injected fault",
            None,
        );
    }
    state.end(&id, "client_requested");
    Json(json!({"status": "ok"})).into_response()
}

/// `GET /models`.
pub async fn models(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Err(r) = authorize(&state, &headers) {
        return r;
    }
    Json(json!([
        {"model": overshoot_protocol::DEFAULT_MODEL, "ready": true, "status": "ready"},
        {"model": "emulator/mean-colour", "ready": true, "status": "ready"}
    ]))
    .into_response()
}
