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

pub use routes::{drop_signal, end_room, mint_token, rtc_v0, rtc_v1, validate};

/// The LiveKit side of the emulator's state.
pub struct LiveKit {
    /// Rooms by name.
    pub rooms: rooms::Rooms,
    /// Signs and checks access tokens.
    pub tokens: token::TokenIssuer,
}
