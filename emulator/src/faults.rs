//! Fault injection for the resilience tests (and result bursts for the benchmark):
//! per-key switches, set through `POST /__emulator/faults` and consumed by the
//! handlers as they fire.

use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The faults armed for one API key. Each fires a set number of times, then clears.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Close the next results socket abruptly (no close frame: the browser sees
    /// 1006) after this many results.
    pub drop_socket_after_results: Option<u32>,
    /// Answer the next N keepalives with 503.
    pub keepalive_errors: u32,
    /// Answer the next N creates with 503.
    pub create_errors: u32,
    /// Answer the next N deletes with 503 (the stream stays open).
    pub delete_errors: u32,
    /// Create the next N streams but answer with a malformed body (`turn_servers`
    /// not a list): a client must still delete them.
    pub malformed_creates: u32,
    /// Send the next N results as text that is not JSON.
    pub malformed_results: u32,
    /// Hold the next answer of an endpoint (`create`, `keepalive`, `prompt`, `delete`)
    /// for this many milliseconds.
    pub delay_ms: HashMap<String, u64>,
    /// The next results socket sends this many well-formed results back to back
    /// (as fast as the socket takes them), then goes on with one per interval.
    pub burst_results: u32,
    /// How long after the socket authenticates that burst starts (default 0), so a
    /// benchmark can take its "before" measurements once the stream is up.
    pub burst_delay_ms: u64,
    /// Refuse the next N LiveKit joins (new or resumed) into this key's native
    /// rooms with 401, as a server refusing the token.
    pub livekit_refuse_joins: u32,
}

/// Fault switches of every key.
#[derive(Default)]
pub struct FaultBoard {
    by_key: std::sync::Mutex<HashMap<String, Faults>>,
}

impl FaultBoard {
    fn with<T>(&self, key: &str, f: impl FnOnce(&mut Faults) -> T) -> Option<T> {
        let mut map = self.by_key.lock().ok()?;
        map.get_mut(key).map(f)
    }

    /// Arms `faults` for `key`, replacing what was armed.
    pub fn arm(&self, key: &str, faults: Faults) {
        if let Ok(mut map) = self.by_key.lock() {
            map.insert(key.to_string(), faults);
        }
    }

    /// The delay armed for `endpoint`, once.
    pub fn take_delay(&self, key: &str, endpoint: &str) -> Option<Duration> {
        self.with(key, |f| f.delay_ms.remove(endpoint))
            .flatten()
            .map(Duration::from_millis)
    }

    /// Whether this keepalive must fail.
    pub fn take_keepalive_error(&self, key: &str) -> bool {
        self.with(key, |f| take_count(&mut f.keepalive_errors))
            .unwrap_or(false)
    }

    /// Whether this create must fail.
    pub fn take_create_error(&self, key: &str) -> bool {
        self.with(key, |f| take_count(&mut f.create_errors))
            .unwrap_or(false)
    }

    /// Whether this delete must fail.
    pub fn take_delete_error(&self, key: &str) -> bool {
        self.with(key, |f| take_count(&mut f.delete_errors))
            .unwrap_or(false)
    }

    /// Whether this create's answer must be malformed.
    pub fn take_malformed_create(&self, key: &str) -> bool {
        self.with(key, |f| take_count(&mut f.malformed_creates))
            .unwrap_or(false)
    }

    /// Whether this result must be malformed.
    pub fn take_malformed_result(&self, key: &str) -> bool {
        self.with(key, |f| take_count(&mut f.malformed_results))
            .unwrap_or(false)
    }

    /// Whether this LiveKit join must be refused; `consume` counts it as one of
    /// the refusals (livekit-client's validate request after a refused upgrade
    /// sees the same answer without using one up).
    pub fn take_livekit_refusal(&self, key: &str, consume: bool) -> bool {
        self.with(key, |f| {
            if consume {
                take_count(&mut f.livekit_refuse_joins)
            } else {
                f.livekit_refuse_joins > 0
            }
        })
        .unwrap_or(false)
    }

    /// After how many results the socket now opening must drop, once.
    pub fn take_socket_drop(&self, key: &str) -> Option<u32> {
        self.with(key, |f| f.drop_socket_after_results.take())
            .flatten()
    }

    /// The burst armed for the socket now opening (size, delay after open), once.
    pub fn take_burst(&self, key: &str) -> Option<(u32, Duration)> {
        self.with(key, |f| {
            let n = std::mem::take(&mut f.burst_results);
            let delay = Duration::from_millis(std::mem::take(&mut f.burst_delay_ms));
            (n > 0).then_some((n, delay))
        })
        .flatten()
    }
}

fn take_count(n: &mut u32) -> bool {
    if *n > 0 {
        *n -= 1;
        true
    } else {
        false
    }
}

/// `POST /__emulator/faults` `{api_key, ...Faults}`.
pub async fn arm(State(state): State<Arc<AppState>>, Json(body): Json<Value>) -> Response {
    let key = body
        .get("api_key")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    match serde_json::from_value::<Faults>(body) {
        Ok(faults) => {
            state.faults.arm(&key, faults.clone());
            Json(json!({"api_key": key, "armed": format!("{faults:?}")})).into_response()
        }
        Err(e) => (axum::http::StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

/// `POST /__emulator/streams/{id}/end` `{reason}`: the server kills a stream.
pub async fn end_stream(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    body: Option<Json<Value>>,
) -> Response {
    let reason = body
        .as_ref()
        .and_then(|Json(b)| b.get("reason").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "webrtc_disconnected".into());
    let ended = state.end(&id, &reason);
    Json(json!({"stream_id": id, "ended": ended})).into_response()
}
