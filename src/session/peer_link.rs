//! The WebRTC half of a link: the peer connection, its offer, the create call and
//! the answer. At start-up the video may not be there yet (a camera warming up):
//! the transceiver is made without a track and everything but the video goes ahead
//! (see `startup.rs`).

use super::link::{check_stop, create, finish_link, Created, Link, LinkFailure, Uplink};
use super::{post, Event, SessionConfig, Shared};
use crate::platform::error::SdkError;
use crate::platform::peer::{merge_ice_servers, PeerOwner};
use futures_channel::mpsc::UnboundedSender;
use overshoot_protocol::send_limits::SendLimits;
use overshoot_protocol::{ErrorKind, IceServer, Source};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use web_sys::{MediaStream, MediaStreamTrack};

/// The video a new peer connection starts with.
pub enum PeerVideo<'a> {
    /// The track is there (an ICE recovery, a source that is already open).
    Ready {
        track: &'a MediaStreamTrack,
        stream: &'a MediaStream,
        limits: Option<&'a SendLimits>,
    },
    /// Not yet: a track-less transceiver now, `PeerOwner::attach_video` as soon as
    /// the source answers (see `startup.rs`).
    Later,
}

/// Makes a peer connection of generation `generation` with `video`'s send-only
/// transceiver; its state changes go to the session.
pub fn new_peer(
    config: &SessionConfig,
    inbox: &UnboundedSender<Event>,
    video: PeerVideo<'_>,
    generation: u32,
    known_turn: &[IceServer],
    relay_only: bool,
) -> Result<PeerOwner, SdkError> {
    let peer_inbox = inbox.clone();
    let initial_ice = merge_ice_servers(&config.user_ice_servers, known_turn);
    let peer = PeerOwner::new(&initial_ice, relay_only, move |state| {
        post(&peer_inbox, Event::Peer(generation, state))
    })?;
    match video {
        PeerVideo::Ready {
            track,
            stream,
            limits,
        } => peer.add_sendonly_video(track, stream, limits)?,
        PeerVideo::Later => peer.add_sendonly_video_slot()?,
    }
    Ok(peer)
}

/// Makes a peer connection with `video`, creates the stream with its offer and
/// applies the answer after the response's TURN servers (see `link.rs`).
pub async fn negotiate_peer(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    inbox: &UnboundedSender<Event>,
    video: PeerVideo<'_>,
    generation: u32,
    known_turn: &[IceServer],
    relay_only: bool,
) -> Result<Link, LinkFailure> {
    let peer = new_peer(config, inbox, video, generation, known_turn, relay_only)?;
    let created = connect_peer(config, shared, inbox, &peer, None, generation, known_turn).await?;
    peer_link(config, shared, created, peer, known_turn)
}

/// The offer of `peer`, the create call with it, then the response's TURN servers and
/// the answer. `source_failed`, set if the source fails meanwhile (see `startup.rs`),
/// keeps the stream from being created.
pub async fn connect_peer(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    inbox: &UnboundedSender<Event>,
    peer: &PeerOwner,
    source_failed: Option<&Cell<bool>>,
    generation: u32,
    known_turn: &[IceServer],
) -> Result<Box<Created>, LinkFailure> {
    let offer_sdp = peer.create_offer().await?;
    check_stop(shared, None)?;
    if source_failed.is_some_and(Cell::get) {
        // The source's own error is what start() reports.
        return Err(SdkError::new(ErrorKind::Media, "the video source failed").into());
    }

    let source = Source::Webrtc {
        sdp: offer_sdp.clone(),
    };
    let created = create(config, shared, inbox, Some(source), generation).await?;
    let fail = created.failure();
    let answer = created
        .response
        .webrtc
        .as_ref()
        .map(|a| a.sdp.clone())
        .ok_or_else(|| {
            fail(SdkError::new(
                ErrorKind::Api,
                "the create-stream response has no webrtc answer",
            ))
        })?;
    let turn = created.response.turn_servers.clone().unwrap_or_default();
    let ice = merge_ice_servers(
        &config.user_ice_servers,
        if turn.is_empty() { known_turn } else { &turn },
    );
    peer.set_ice_servers(&ice).map_err(&fail)?;
    peer.set_local_offer(&offer_sdp).await.map_err(&fail)?;
    peer.set_remote_answer(&answer).await.map_err(&fail)?;
    config.log("answer applied");
    Ok(created)
}

/// The link of a stream `created` over `peer`, once its answer is applied.
pub fn peer_link(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    created: Box<Created>,
    peer: PeerOwner,
    known_turn: &[IceServer],
) -> Result<Link, LinkFailure> {
    shared.borrow_mut().peer = Some(peer.connection().clone());
    finish_link(config, shared, created, Uplink::Peer(peer), known_turn)
}
