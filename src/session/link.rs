//! A link: one stream on the server and the connections that feed it (peer
//! connection, results socket, pagehide guard). Start-up makes the first; an ICE
//! recovery replaces it with a new one over the same media.
//!
//! Order matters: the offer is created before the POST but applied only after
//! `setConfiguration` has added the response's TURN servers, because applying it
//! starts ICE gathering with whatever servers are configured at that moment.

use super::{post, Event, SessionConfig, Shared};
use crate::platform::error::SdkError;
use crate::platform::json::to_js;
use crate::platform::media::MediaOwner;
use crate::platform::page::PageHideOwner;
use crate::platform::peer::{merge_ice_servers, PeerOwner};
use crate::platform::socket::SocketOwner;
use crate::platform::wire_response;
use futures_channel::mpsc::UnboundedSender;
use overshoot_protocol::{validate_request, ErrorKind, IceServer, Source};
use std::cell::RefCell;
use std::rc::Rc;

/// One stream and its connections. Dropping it closes the connections (not the
/// stream on the server: that takes a DELETE).
pub struct Link {
    /// The server's id of the stream.
    pub stream_id: String,
    /// The lease length last granted.
    pub ttl_seconds: f64,
    /// The response's TURN servers, kept for an ICE recovery.
    pub turn_servers: Vec<IceServer>,
    /// The results socket, while open.
    pub socket: Option<SocketOwner>,
    /// Deletes the stream if the page goes away.
    pub _page_hide: Option<PageHideOwner>,
    /// The peer connection (closed on drop).
    pub peer: PeerOwner,
}

/// Why a link could not be made, and the stream to delete if one was created.
pub struct LinkFailure {
    pub error: SdkError,
    pub stream_id: Option<String>,
    pub aborted: bool,
}

impl From<SdkError> for LinkFailure {
    fn from(error: SdkError) -> Self {
        LinkFailure {
            error,
            stream_id: None,
            aborted: false,
        }
    }
}

/// Fails with `AbortError` if `stop()` was called meanwhile.
pub fn check_stop(
    shared: &Rc<RefCell<Shared>>,
    stream_id: Option<&str>,
) -> Result<(), LinkFailure> {
    if shared.borrow().stop_requested {
        return Err(LinkFailure {
            error: SdkError::new(
                ErrorKind::Aborted,
                "stop() was called before start() finished",
            ),
            stream_id: stream_id.map(str::to_string),
            aborted: true,
        });
    }
    Ok(())
}

/// Opens the results socket of generation `generation`; its results go to the
/// session's result sink.
pub fn open_socket(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    stream_id: &str,
    generation: u32,
    inbox: &UnboundedSender<Event>,
) -> Result<SocketOwner, SdkError> {
    let url = config.http.base().results_socket(stream_id);
    let inbox = inbox.clone();
    let sink = shared.borrow().results.clone();
    SocketOwner::open(&url, config.http.api_key(), &sink, move |e| {
        post(&inbox, Event::Socket(generation, e))
    })
}

/// Makes a link: peer connection over `media` → offer → `POST /streams` → results
/// socket → ICE servers → descriptions. `known_turn` are TURN servers from an
/// earlier response; with `relay_only` the connection may use only them (an ICE
/// recovery that proves a relayed path).
pub async fn negotiate(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    inbox: &UnboundedSender<Event>,
    media: &MediaOwner,
    generation: u32,
    known_turn: &[IceServer],
    relay_only: bool,
) -> Result<Link, LinkFailure> {
    let peer_inbox = inbox.clone();
    let initial_ice = merge_ice_servers(&config.user_ice_servers, known_turn);
    let peer = PeerOwner::new(&initial_ice, relay_only, move |state| {
        post(&peer_inbox, Event::Peer(generation, state))
    })?;
    let track = media.video_track()?;
    let limits = config.send_limits(&track);
    peer.add_sendonly_video(&track, media.stream(), limits.as_ref())?;
    let offer_sdp = peer.create_offer().await?;
    check_stop(shared, None)?;

    let mut request = config.request.clone();
    request.source = Some(Source::Webrtc {
        sdp: offer_sdp.clone(),
    });
    validate_request(&request).map_err(|e| SdkError::validation(&e.field, &e.message))?;
    let response_js = config.http.create_stream(&to_js(&request)?).await?;
    let response = wire_response::create_response(&response_js)?;
    let stream_id = response.stream_id.clone();
    shared.borrow_mut().stream_id = Some(stream_id.clone());
    config.log(&format!("stream {stream_id} created"));
    // From here on a closing tab must delete the stream, synchronously in the event.
    let page_hide = {
        let (http, id, inbox) = (config.http.clone(), stream_id.clone(), inbox.clone());
        PageHideOwner::listen(move || {
            http.close_stream_on_unload(&id);
            post(&inbox, Event::PageHidden);
        })
    };
    let fail = |error: SdkError| LinkFailure {
        error,
        stream_id: Some(stream_id.clone()),
        aborted: false,
    };
    check_stop(shared, Some(&stream_id))?;
    // The results socket opens now, not after the descriptions: it needs only the
    // stream id, and its handshake and authentication overlap applying the answer.
    let socket = open_socket(config, shared, &stream_id, generation, inbox).map_err(fail)?;

    let answer = response
        .webrtc
        .as_ref()
        .map(|a| a.sdp.clone())
        .ok_or_else(|| {
            fail(SdkError::new(
                ErrorKind::Api,
                "the create-stream response has no webrtc answer",
            ))
        })?;
    let turn_servers = response.turn_servers.clone().unwrap_or_default();
    let ice = merge_ice_servers(
        &config.user_ice_servers,
        if turn_servers.is_empty() {
            known_turn
        } else {
            &turn_servers
        },
    );
    peer.set_ice_servers(&ice).map_err(fail)?;
    peer.set_local_offer(&offer_sdp).await.map_err(fail)?;
    peer.set_remote_answer(&answer).await.map_err(fail)?;
    check_stop(shared, Some(&stream_id))?;

    config.log("answer applied");
    shared.borrow_mut().peer = Some(peer.connection().clone());
    Ok(Link {
        ttl_seconds: response.lease.as_ref().map_or(60.0, |l| l.ttl_seconds),
        turn_servers: if turn_servers.is_empty() {
            known_turn.to_vec()
        } else {
            turn_servers
        },
        stream_id,
        socket: Some(socket),
        _page_hide: page_hide,
        peer,
    })
}
