//! The HTTP edge of the LiveKit server: the signalling upgrades, the validate
//! endpoints livekit-client calls when an upgrade fails, and the test-only
//! `/__emulator/livekit/...` endpoints (token minting, injected faults).

use super::{join, socket, token::Grant};
use crate::state::AppState;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

type Params = Query<HashMap<String, String>>;

/// Checks the query's `access_token` (never logged): our signature, not expired,
/// a room grant, the room's v1beta stream (if it is one) not ended, and no
/// `livekit_refuse_joins` fault armed for the room's stream.
fn admit(
    state: &AppState,
    query: &HashMap<String, String>,
    consume_fault: bool,
) -> Result<Grant, Response> {
    let refuse = |why: String| {
        eprintln!("livekit: join refused: {why}");
        (StatusCode::UNAUTHORIZED, why).into_response()
    };
    let token = query.get("access_token").map(String::as_str).unwrap_or("");
    let grant = state
        .livekit
        .tokens
        .verify(token)
        .map_err(|e| refuse(e.to_string()))?;
    if crate::v1beta::lock(&state.v1beta.registry).has_ended(&grant.room) {
        return Err(refuse("the room's v1beta stream has ended".into()));
    }
    let key = state.get_any(&grant.room).map(|s| s.api_key.clone());
    if key.is_some_and(|k| state.faults.take_livekit_refusal(&k, consume_fault)) {
        return Err(refuse("injected fault: token refused".into()));
    }
    Ok(grant)
}

/// `GET /rtc/v1` (WebSocket): the join request and first offer are in the query.
pub async fn rtc_v1(
    State(state): State<Arc<AppState>>,
    Query(query): Params,
    ws: WebSocketUpgrade,
) -> Response {
    upgrade(state, query, ws, "/rtc/v1", |q| {
        match q.get("join_request") {
            Some(p) => join::decode_v1(p),
            None => Err("join_request missing".into()),
        }
    })
}

/// `GET /rtc` (WebSocket): the classic path, offers come over the socket.
pub async fn rtc_v0(
    State(state): State<Arc<AppState>>,
    Query(query): Params,
    ws: WebSocketUpgrade,
) -> Response {
    upgrade(state, query, ws, "/rtc", |q| Ok(join::decode_v0(q)))
}

/// Admits the token, reads the join with `read_join`, and runs the socket
/// (`path` names the endpoint in its log lines).
fn upgrade(
    state: Arc<AppState>,
    query: HashMap<String, String>,
    ws: WebSocketUpgrade,
    path: &'static str,
    read_join: impl FnOnce(&HashMap<String, String>) -> Result<join::Join, String>,
) -> Response {
    let grant = match admit(&state, &query, true) {
        Ok(g) => g,
        Err(r) => return r,
    };
    match read_join(&query) {
        Ok(join) => ws.on_upgrade(move |s| socket::serve(state, grant, join, path, s)),
        Err(e) => (StatusCode::BAD_REQUEST, e).into_response(),
    }
}

/// `GET /rtc/validate` and `/rtc/v1/validate`: livekit-client asks why an upgrade
/// failed; 401 makes it report a refused token instead of retrying.
pub async fn validate(State(state): State<Arc<AppState>>, Query(query): Params) -> Response {
    match admit(&state, &query, false) {
        Ok(_) => (StatusCode::OK, "success").into_response(),
        Err(r) => r,
    }
}

/// `POST /__emulator/livekit/token` `{room, identity?}` (test-only, not part of any
/// public API): a token for the emulator's own LiveKit server, so a page can
/// publish into a room and create a stream with `source: {type:"livekit", url, token}`.
pub async fn mint_token(State(state): State<Arc<AppState>>, Json(body): Json<Value>) -> Response {
    let room = body.get("room").and_then(Value::as_str).unwrap_or("");
    if room.is_empty() {
        return (StatusCode::BAD_REQUEST, "room missing").into_response();
    }
    let identity = body
        .get("identity")
        .and_then(Value::as_str)
        .unwrap_or("app");
    match state.livekit.tokens.mint(room, identity) {
        Ok(token) => Json(json!({
            "url": state.livekit_url(),
            "token": token,
            "room": room,
            "identity": identity,
        }))
        .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// `POST /__emulator/livekit/rooms/{room}/drop-signal`: every signalling socket of
/// the room is dropped without a close frame (livekit-client resumes).
pub async fn drop_signal(State(state): State<Arc<AppState>>, Path(room): Path<String>) -> Response {
    let dropped = state.livekit.rooms.drop_signal(&room);
    Json(json!({"room": room, "dropped": dropped})).into_response()
}

/// `POST /__emulator/livekit/rooms/{room}/end`: the room ends; its participants get
/// a leave (DISCONNECT, room deleted). A native stream's room is named by its id.
pub async fn end_room(State(state): State<Arc<AppState>>, Path(room): Path<String>) -> Response {
    let told = state.livekit.rooms.end(&room, false);
    Json(json!({"room": room, "participants_told": told})).into_response()
}
