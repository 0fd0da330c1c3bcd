//! Overshoot's streams API (`/streams`, `/models`, the results WebSocket), the older
//! generation: the prompt and model are fixed at create, results arrive over the
//! socket. [`routes`] are its HTTP endpoints, [`results`] the socket, [`test_hooks`]
//! its test-only `/__emulator/` routes.

pub mod results;
pub mod routes;
pub mod test_hooks;

use std::sync::Arc;

use axum::routing::{delete, get, patch, post};
use axum::Router;

use crate::faults;
use crate::state::AppState;

/// The streams API's routes and its test-only routes.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/streams", post(routes::create_stream))
        .route("/streams/{id}", delete(routes::close_stream))
        .route("/streams/{id}/keepalive", post(routes::keepalive))
        .route("/streams/{id}/config/prompt", patch(routes::update_prompt))
        .route("/models", get(routes::models))
        .route("/ws/streams/{id}", get(results::results_socket))
        .route("/__emulator/streams", get(test_hooks::report))
        .route("/__emulator/credits", post(test_hooks::set_credits))
        .route("/__emulator/faults", post(faults::arm))
        .route("/__emulator/streams/{id}/end", post(faults::end_stream))
        .route(
            "/__emulator/streams/{id}/drop-media",
            post(test_hooks::drop_media),
        )
}
