//! Overshoot's v1beta API (spec `overshoot-v1beta.md`), served under `/v1beta` beside
//! the streams API on the same port and with the same keys: streams that only ingest
//! video, published into the emulator's own LiveKit rooms, and OpenAI-compatible
//! `/chat/completions` whose `ovs://` references are resolved over the frames the
//! emulator decoded and retains (`crate::peer::frames`).
//!
//! - [`config`]: region, lease, tombstone, rate limit and the §16 readings.
//! - [`registry`]: the streams, sans IO (leases, tombstones, telemetry).
//! - [`streams`]: the stream endpoints and `/models`.
//! - [`chat`]: the chat completions endpoint.
//! - [`http`]: the key, the region header and the error shapes.
//! - [`faults`], [`limiter`]: fault switches and the rate limit.
//!
//! Every rule that clients share (request validation, reference grammar, resolution,
//! error codes and statuses) comes from `overshoot_protocol::v1beta`.

pub mod chat;
pub mod config;
pub mod faults;
pub mod http;
pub mod limiter;
pub mod registry;
#[cfg(test)]
mod registry_tests;
pub mod streams;
mod test_routes;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

/// The v1beta side of the emulator's state.
#[derive(Default)]
pub struct V1beta {
    /// The streams.
    pub registry: Mutex<registry::Registry>,
    /// Settings and readings (changeable by tests).
    pub config: Mutex<config::Config>,
    /// Fault switches.
    pub faults: faults::V1FaultBoard,
    /// The chat rate limit.
    pub limiter: Mutex<limiter::RateLimiter>,
    /// Prompt tokens last seen per (key, model, `thread_id`), for `overshoot.cache`.
    pub threads: Mutex<std::collections::HashMap<(String, String, String), u64>>,
}

/// Locks `m`; a poisoned lock is still usable (plain data).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl V1beta {
    /// v1beta state with `config`.
    pub fn new(config: config::Config) -> V1beta {
        V1beta {
            config: Mutex::new(config),
            ..V1beta::default()
        }
    }

    /// A copy of the settings in force.
    pub fn config(&self) -> config::Config {
        lock(&self.config).clone()
    }
}

/// Ends the streams whose lease lapsed and releases their rooms; forgets tombstones
/// past their window.
pub fn sweep(state: &AppState, now_ms: i64) {
    let config = state.v1beta.config();
    let ended = lock(&state.v1beta.registry).sweep(now_ms, &config);
    for id in ended {
        eprintln!("emulator: v1beta stream {id} ended: expired");
        state.livekit.end_room_soon(&id);
    }
}

/// Sweeps once a second, for as long as the server runs.
pub async fn sweep_forever(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tick.tick().await;
        sweep(&state, crate::peer::unix_ms());
    }
}

/// The routes under `/v1beta`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/streams", post(streams::create))
        .route(
            "/streams/{id}",
            get(streams::status).delete(streams::delete),
        )
        .route("/streams/{id}/keepalive", post(streams::keepalive))
        .route("/streams/{id}/viewer-token", post(streams::viewer_token))
        .route("/models", get(streams::models))
        .route("/chat/completions", post(chat::complete))
}

/// The test-only routes, under `/__emulator/v1beta`.
pub fn test_routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/faults", post(test_routes::arm))
        .route("/config", post(test_routes::configure))
        .route("/streams", get(test_routes::report))
        .route("/streams/{id}/region", post(test_routes::move_region))
        .route("/streams/{id}/expire", post(test_routes::expire))
}
