//! A link: one stream on the server and the connections that feed it (peer
//! connection, results socket, pagehide guard). Start-up makes the first; an ICE
//! recovery replaces it with a new one over the same media.
//!
//! Order matters: the offer is created before the POST but applied only after
//! `setConfiguration` has added the response's TURN servers, because applying it
//! starts ICE gathering with whatever servers are configured at that moment.

use super::peer_link::{negotiate_peer, PeerVideo};
#[cfg(feature = "livekit")]
use super::Transport;
use super::{post, Event, SessionConfig, Shared};
use crate::platform::error::SdkError;
use crate::platform::json::to_js;
use crate::platform::media::{MediaOwner, VideoSource};
use crate::platform::page::PageHideOwner;
use crate::platform::peer::PeerOwner;
#[cfg(feature = "livekit")]
use crate::platform::room::{RoomOwner, RoomState};
use crate::platform::socket::SocketOwner;
use crate::platform::wire_response;
use futures_channel::mpsc::UnboundedSender;
use futures_channel::oneshot;
use futures_util::future::{self, Either};
use overshoot_protocol::{validate_source, CreateStreamResponse, ErrorKind, IceServer, Source};
#[cfg(feature = "livekit")]
use std::cell::Cell;
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
#[cfg(feature = "livekit")]
use wasm_bindgen::JsValue;
use web_sys::MediaStreamTrack;
#[cfg(feature = "livekit")]
use web_sys::RtcPeerConnectionState;

/// One stream and its connections. Dropping it closes the connections (not the
/// stream on the server: that takes a DELETE).
pub struct Link {
    /// The server's id of the stream.
    pub stream_id: String,
    /// The lease length last granted.
    pub ttl_seconds: f64,
    /// When the create answer arrived (`Date.now()`): the first lease runs from then.
    pub created_at_ms: f64,
    /// The response's TURN servers, kept for an ICE recovery.
    pub turn_servers: Vec<IceServer>,
    /// The results socket, while open.
    pub socket: Option<SocketOwner>,
    /// Deletes the stream if the page goes away.
    pub _page_hide: Option<PageHideOwner>,
    /// What carries the video (closed on drop).
    pub uplink: Uplink,
}

/// What carries a link's video to the server.
pub enum Uplink {
    /// A peer connection straight to the server.
    Peer(PeerOwner),
    /// A LiveKit room the server made (native transport).
    #[cfg(feature = "livekit")]
    Room(RoomOwner),
    /// The app's own LiveKit room: nothing is sent from here.
    AppRoom,
}

impl Uplink {
    /// Sends `track` instead of the current video track.
    pub async fn replace_video_track(&self, track: &MediaStreamTrack) -> Result<(), SdkError> {
        match self {
            Uplink::Peer(peer) => peer.replace_video_track(track).await,
            #[cfg(feature = "livekit")]
            Uplink::Room(room) => room.replace_track(track).await,
            Uplink::AppRoom => Err(SdkError::new(
                ErrorKind::Validation,
                "a livekit source sends no local video",
            )),
        }
    }
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
        return Err(aborted(stream_id.map(str::to_string)));
    }
    Ok(())
}

/// The failure of a start that `stop()` interrupted; `stream_id` is deleted.
fn aborted(stream_id: Option<String>) -> LinkFailure {
    LinkFailure {
        error: SdkError::new(
            ErrorKind::Aborted,
            "stop() was called before start() finished",
        ),
        stream_id,
        aborted: true,
    }
}

/// Runs `work` unless `stop()` comes first: then `work` is dropped where it waits (a
/// camera prompt, a screen picker, a loading video, livekit-client), which releases
/// what it holds, and the start fails with `AbortError`. Not for the create POST: a
/// dropped request could still create a stream whose id we would never learn.
/// `stream_id` is the stream to delete if either happens.
pub async fn unless_stopped<T>(
    shared: &Rc<RefCell<Shared>>,
    stream_id: Option<&str>,
    work: impl Future<Output = Result<T, SdkError>>,
) -> Result<T, LinkFailure> {
    check_stop(shared, stream_id)?;
    let (waiter, stopped) = oneshot::channel();
    shared.borrow_mut().stop_waiters.push(waiter);
    let failed = |error| LinkFailure {
        error,
        stream_id: stream_id.map(str::to_string),
        aborted: false,
    };
    futures_util::pin_mut!(work);
    match future::select(work, stopped).await {
        Either::Left((outcome, _)) => outcome.map_err(failed),
        Either::Right((Ok(()), _)) => Err(aborted(stream_id.map(str::to_string))),
        Either::Right((Err(_), work)) => work.await.map_err(failed),
    }
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
    SocketOwner::open(&url, &config.http.api_key(), &sink, move |e| {
        post(&inbox, Event::Socket(generation, e))
    })
}

/// Makes a link of generation `generation`: the stream on the server, its results
/// socket (opened right after the create answer: it needs only the stream id, and its
/// handshake overlaps the media set-up) and what carries the video (see [`Uplink`]).
/// `known_turn` are TURN servers from an earlier response; with `relay_only` a peer
/// connection may use only them (an ICE recovery that proves a relayed path).
pub async fn negotiate(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    inbox: &UnboundedSender<Event>,
    media: Option<&MediaOwner>,
    generation: u32,
    known_turn: &[IceServer],
    relay_only: bool,
) -> Result<Link, LinkFailure> {
    let media = match (&config.source, media) {
        (VideoSource::AppRoom { url, token }, _) => {
            let source = Source::Livekit {
                url: url.clone(),
                token: token.clone(),
            };
            let created = create(config, shared, inbox, Some(source), generation).await?;
            return finish_link(config, shared, created, Uplink::AppRoom, known_turn);
        }
        (_, Some(media)) => media,
        (_, None) => return Err(SdkError::new(ErrorKind::Media, "no media to send").into()),
    };
    #[cfg(feature = "livekit")]
    if let Transport::LiveKit { client } = &config.transport {
        let (room, created) = prepare_room(config, shared, inbox, client, generation, None).await?;
        return join_room(config, shared, room, created, media, known_turn).await;
    }
    let track = media.video_track()?;
    let limits = config.send_limits(media);

    let video = PeerVideo::Ready {
        track: &track,
        stream: media.stream(),
        limits: limits.as_ref(),
    };
    negotiate_peer(
        config, shared, inbox, video, generation, known_turn, relay_only,
    )
    .await
}

/// Reports a room's state to the session as the peer connection of `generation` would.
#[cfg(feature = "livekit")]
pub(super) fn room_events(
    generation: u32,
    inbox: &UnboundedSender<Event>,
) -> impl Fn(RoomState) + 'static {
    let inbox = inbox.clone();
    move |state| {
        let state = match state {
            RoomState::Connected => RtcPeerConnectionState::Connected,
            // Not `disconnected`: livekit-client and the rejoin run their own clock.
            RoomState::Reconnecting => RtcPeerConnectionState::Connecting,
            RoomState::Failed => RtcPeerConnectionState::Failed,
        };
        post(&inbox, Event::Peer(generation, state))
    }
}

/// The native LiveKit transport up to the join: livekit-client loaded first (without
/// it no stream is created, nor billed), then the stream created. `source_failed`, set
/// if the camera fails meanwhile (see `startup.rs`), keeps the stream from being created.
#[cfg(feature = "livekit")]
pub(super) async fn prepare_room(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    inbox: &UnboundedSender<Event>,
    client: &JsValue,
    generation: u32,
    source_failed: Option<&Cell<bool>>,
) -> Result<(RoomOwner, Box<Created>), LinkFailure> {
    let loading = RoomOwner::load(client, room_events(generation, inbox));
    let room = unless_stopped(shared, None, loading).await?;
    if source_failed.is_some_and(Cell::get) {
        // The source's own error is what start() reports.
        return Err(SdkError::new(ErrorKind::Media, "the video source failed").into());
    }
    // No source: native, the server makes the room.
    let created = create(config, shared, inbox, None, generation).await?;
    Ok((room, created))
}

/// Joins the room the server made for `created` and publishes the video of `media` there.
#[cfg(feature = "livekit")]
pub(super) async fn join_room(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    room: RoomOwner,
    created: Box<Created>,
    media: &MediaOwner,
    known_turn: &[IceServer],
) -> Result<Link, LinkFailure> {
    let Some(lk) = created.response.livekit.as_ref() else {
        return Err((created.failure())(SdkError::new(
            ErrorKind::Api,
            "the create-stream response has no livekit room",
        )));
    };
    let track = media.video_track().map_err(created.failure())?;
    let limits = config.send_limits(media);
    let joining = room.publish(&lk.url, &lk.token, &track, limits.as_ref());
    unless_stopped(shared, Some(&created.stream_id), joining).await?;
    finish_link(config, shared, created, Uplink::Room(room), known_turn)
}

/// A stream the server created and its results socket, not yet fed.
pub(super) struct Created {
    pub(super) response: CreateStreamResponse,
    /// When the create answer arrived (`Date.now()`).
    pub(super) created_at_ms: f64,
    stream_id: String,
    page_hide: Option<PageHideOwner>,
    socket: SocketOwner,
}

impl Created {
    /// Its id and lease, as the start-up overlap renews it (see `startup.rs`).
    pub(super) fn lease(&self) -> Lease<'_> {
        Lease {
            stream_id: &self.stream_id,
            ttl_seconds: self.response.lease.as_ref().map_or(60.0, |l| l.ttl_seconds),
            created_at_ms: self.created_at_ms,
        }
    }

    /// Wraps an error as a failure that still deletes this stream.
    pub(super) fn failure(&self) -> impl Fn(SdkError) -> LinkFailure {
        let stream_id = self.stream_id.clone();
        move |error| LinkFailure {
            error,
            stream_id: Some(stream_id.clone()),
            aborted: false,
        }
    }
}

/// A created stream's id and lease.
pub(super) struct Lease<'a> {
    pub(super) stream_id: &'a str,
    pub(super) ttl_seconds: f64,
    /// When the create answer arrived (`Date.now()`).
    pub(super) created_at_ms: f64,
}

/// `POST /streams` with the session's request and `source` (not a copy of the request:
/// its other rules were checked when the config was read), then the results socket of
/// `generation`; from then on a closing tab deletes the stream. Boxed: the start-up futures that carry it
/// then move a pointer, not the whole answer (−0.3 KB gzip of wasm).
pub(super) async fn create(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    inbox: &UnboundedSender<Event>,
    source: Option<Source>,
    generation: u32,
) -> Result<Box<Created>, LinkFailure> {
    let request = &config.request;
    validate_source(source.as_ref(), request.webrtc.as_ref())
        .map_err(|e| SdkError::validation(&e.field, &e.message))?;
    let body = to_js(&request.to_json_with_source(source.as_ref()));
    let response_js = config.http.create_stream(&body).await?;
    let response = wire_response::create_response(&response_js).map_err(|error| LinkFailure {
        error,
        // Unreadable, but created: it must still be deleted.
        stream_id: wire_response::stream_id_of(&response_js),
        aborted: false,
    })?;
    let created_at_ms = js_sys::Date::now();
    let stream_id = response.stream_id.clone();
    shared.borrow_mut().stream_id = Some(stream_id.clone());
    config.log(&format!("stream {stream_id} created"));
    // Synchronously in the event: the page may be gone a moment later.
    let page_hide = {
        let (http, id, inbox) = (config.http.clone(), stream_id.clone(), inbox.clone());
        PageHideOwner::listen(move || {
            http.close_stream_on_unload(&id);
            post(&inbox, Event::PageHidden);
        })
    };
    check_stop(shared, Some(&stream_id))?;
    let socket = open_socket(config, shared, &stream_id, generation, inbox).map_err(|error| {
        LinkFailure {
            error,
            stream_id: Some(stream_id.clone()),
            aborted: false,
        }
    })?;
    Ok(Box::new(Created {
        response,
        created_at_ms,
        stream_id,
        page_hide,
        socket,
    }))
}

/// Assembles the link once its video path is set up.
pub(super) fn finish_link(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    created: Box<Created>,
    uplink: Uplink,
    known_turn: &[IceServer],
) -> Result<Link, LinkFailure> {
    check_stop(shared, Some(&created.stream_id))?;
    config.log("media path set up");
    let turn = created.response.turn_servers.unwrap_or_default();
    Ok(Link {
        ttl_seconds: created
            .response
            .lease
            .as_ref()
            .map_or(60.0, |l| l.ttl_seconds),
        turn_servers: if turn.is_empty() {
            known_turn.to_vec()
        } else {
            turn
        },
        created_at_ms: created.created_at_ms,
        stream_id: created.stream_id,
        socket: Some(created.socket),
        _page_hide: created.page_hide,
        uplink,
    })
}
