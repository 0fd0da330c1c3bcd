//! The WebRTC half of a link: the peer connection, its offer, the create call and
//! the answer. At start-up the video may not be there yet (a camera warming up):
//! the transceiver is made without a track and everything but the video goes ahead
//! (see `startup.rs`).

use super::link::{check_stop, create, finish_link, Link, LinkFailure};
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
    /// Not yet: a track-less transceiver now, `PeerOwner::attach_video` later. The
    /// flag is set if the source fails meanwhile: then no stream is created.
    Later { source_failed: &'a Cell<bool> },
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
    let mut request = config.request.clone();
    let peer_inbox = inbox.clone();
    let initial_ice = merge_ice_servers(&config.user_ice_servers, known_turn);
    let peer = PeerOwner::new(&initial_ice, relay_only, move |state| {
        post(&peer_inbox, Event::Peer(generation, state))
    })?;
    let source_failed = match video {
        PeerVideo::Ready {
            track,
            stream,
            limits,
        } => {
            peer.add_sendonly_video(track, stream, limits)?;
            None
        }
        PeerVideo::Later { source_failed } => {
            peer.add_sendonly_video_slot()?;
            Some(source_failed)
        }
    };
    let offer_sdp = peer.create_offer().await?;
    check_stop(shared, None)?;
    if source_failed.is_some_and(Cell::get) {
        // The source's own error is what start() reports.
        return Err(SdkError::new(ErrorKind::Media, "the video source failed").into());
    }

    request.source = Some(Source::Webrtc {
        sdp: offer_sdp.clone(),
    });
    let created = create(config, shared, inbox, &request, generation).await?;
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
    shared.borrow_mut().peer = Some(peer.connection().clone());
    finish_link(
        config,
        shared,
        created,
        super::link::Uplink::Peer(peer),
        known_turn,
    )
}
