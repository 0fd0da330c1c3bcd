//! A LiveKit server, as much of it as livekit-client needs to join a room and
//! publish video (signalling protocol 16/17, as livekit-client 2.x speaks it):
//! access tokens ([`token`]), the join in the URL ([`join`]), one participant's
//! signalling ([`signal`], sans IO), the rooms and their frame sinks ([`rooms`]),
//! and the WebSocket edge ([`socket`]). Media goes through the same str0m
//! receiver and decoders as the WebRTC transport (`crate::peer`).

pub mod join;
pub mod rooms;
pub mod signal;
pub mod socket;
pub mod token;

mod routes;

use axum::routing::{get, post};
use routes::{drop_signal, end_room, mint_token, rtc_v0, rtc_v1, validate};

/// The LiveKit server's routes (`/rtc/v1`, `/rtc`, their `validate`) and its
/// test-only `/__emulator/livekit/` routes.
pub fn router() -> axum::Router<std::sync::Arc<crate::state::AppState>> {
    axum::Router::new()
        .route("/rtc/v1", get(rtc_v1))
        .route("/rtc", get(rtc_v0))
        .route("/rtc/v1/validate", get(validate))
        .route("/rtc/validate", get(validate))
        .route("/__emulator/livekit/token", post(mint_token))
        .route(
            "/__emulator/livekit/rooms/{room}/drop-signal",
            post(drop_signal),
        )
        .route("/__emulator/livekit/rooms/{room}/end", post(end_room))
}

/// The LiveKit side of the emulator's state.
pub struct LiveKit {
    /// Rooms by name.
    pub rooms: rooms::Rooms,
    /// Signs and checks access tokens.
    pub tokens: token::TokenIssuer,
}

impl LiveKit {
    /// Ends the native transport's room of a stream that ended, after a short grace:
    /// `stop()` leaves the room and DELETEs the stream at about the same time, and
    /// the participant's own leave, if it is on its way, is taken first.
    pub fn end_room_soon(self: &std::sync::Arc<Self>, room: &str) {
        const GRACE: std::time::Duration = std::time::Duration::from_secs(1);
        let this = std::sync::Arc::clone(self);
        let room = room.to_string();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    tokio::time::sleep(GRACE).await;
                    this.rooms.end(&room, true);
                });
            }
            Err(_) => {
                this.rooms.end(&room, true);
            }
        }
    }
}

/// The wall clock since the Unix epoch (token times, pong timestamps); zero if the
/// clock is set before 1970.
pub(crate) fn unix_time() -> std::time::Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}
