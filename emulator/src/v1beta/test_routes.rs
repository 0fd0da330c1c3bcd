//! Test-only v1beta routes under `/__emulator/v1beta` (no auth; loopback only): arm
//! faults, flip the §16 readings, list streams, move a stream to another region,
//! expire a lease now.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::config::ConfigPatch;
use super::faults::V1Faults;
use super::{lock, sweep};
use crate::peer::unix_ms;
use crate::state::AppState;

/// `POST /__emulator/v1beta/faults {api_key, …V1Faults}`.
pub async fn arm(State(state): State<Arc<AppState>>, Json(mut body): Json<Value>) -> Response {
    let key = body
        .as_object_mut()
        .and_then(|o| o.remove("api_key"))
        .and_then(|k| k.as_str().map(str::to_string))
        .unwrap_or_default();
    match serde_json::from_value::<V1Faults>(body) {
        Ok(faults) => {
            state.v1beta.faults.arm(&key, faults.clone());
            Json(json!({"armed": format!("{faults:?}")})).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

/// `POST /__emulator/v1beta/config {…ConfigPatch}`: answers the readings in force.
pub async fn configure(State(state): State<Arc<AppState>>, Json(body): Json<Value>) -> Response {
    let patch = match serde_json::from_value::<ConfigPatch>(body) {
        Ok(p) => p,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    let mut config = lock(&state.v1beta.config);
    match patch.apply(&mut config) {
        Ok(()) => Json(json!({"config": format!("{:?}", *config)})).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e).into_response(),
    }
}

/// `GET /__emulator/v1beta/streams`: every stream with its owner-free summary.
pub async fn report(State(state): State<Arc<AppState>>) -> Response {
    let now = unix_ms();
    sweep(&state, now);
    let config = state.v1beta.config();
    let registry = lock(&state.v1beta.registry);
    let streams: Vec<Value> = registry
        .all()
        .map(|s| {
            json!({
                "id": s.id, "region": s.region, "keepalives": s.keepalives,
                "status": s.status(now, &config),
            })
        })
        .collect();
    Json(json!({"streams": streams})).into_response()
}

/// `POST /__emulator/v1beta/streams/{id}/region {region}`: the stream now belongs to
/// another region (for the wrong-region and mixed-region answers).
pub async fn move_region(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let Some(region) = body.get("region").and_then(Value::as_str) else {
        return (StatusCode::BAD_REQUEST, "region missing").into_response();
    };
    let mut registry = lock(&state.v1beta.registry);
    let owner = registry.all().find(|s| s.id == id).map(|s| s.owner.clone());
    let moved = owner
        .and_then(|o| registry.find_mut(&id, &o).ok())
        .map(|s| s.region = region.to_string())
        .is_some();
    Json(json!({"id": id, "moved": moved})).into_response()
}

/// `POST /__emulator/v1beta/streams/{id}/expire`: the lease lapses now.
pub async fn expire(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    let now = unix_ms();
    let found = {
        let mut registry = lock(&state.v1beta.registry);
        let owner = registry.all().find(|s| s.id == id).map(|s| s.owner.clone());
        owner
            .and_then(|o| registry.find_mut(&id, &o).ok())
            .map(|s| s.expires_at_ms = now)
            .is_some()
    };
    sweep(&state, now);
    Json(json!({"id": id, "expired": found})).into_response()
}
