//! Test-only endpoints under `/__emulator/` (no auth; the emulator listens on
//! loopback only): stream reports, the credits switch, killing a stream's media.

use crate::peer::PeerHandle;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;

/// `GET /__emulator/streams`: open and ended streams, for tests (no auth; loopback only).
pub async fn report(State(state): State<Arc<AppState>>) -> Response {
    let (open, ended) = state.reports();
    Json(json!({"open": open, "ended": ended})).into_response()
}

/// `POST /__emulator/credits` `{api_key, out_of_credits}`: test switch for 402s.
pub async fn set_credits(State(state): State<Arc<AppState>>, Json(body): Json<Value>) -> Response {
    let key = body
        .get("api_key")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let out = body
        .get("out_of_credits")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    state.set_out_of_credits(key, out);
    Json(json!({"api_key": key, "out_of_credits": out})).into_response()
}

/// `POST /__emulator/streams/{id}/drop-media`: the media path dies (the peer's UDP
/// socket closes) while the stream and its results socket stay: the browser's ICE
/// goes `disconnected`/`failed`, which the package must recover from.
pub async fn drop_media(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    let found = state
        .get_any(&id)
        .and_then(|s| s.peer.as_ref().map(PeerHandle::close))
        .is_some();
    Json(json!({"stream_id": id, "dropped": found})).into_response()
}
