//! Start-up: media, then the first link (see `link.rs`), then the lease timer.

use super::link::{check_stop, negotiate, unless_stopped, Created, Lease, Link, LinkFailure};
#[cfg(feature = "livekit")]
use super::link::{join_room, prepare_room};
use super::peer_link::{connect_peer, new_peer, peer_link, PeerVideo};
use super::{post, Event, SessionConfig, Shared, Transport};
use crate::platform::error::SdkError;
use crate::platform::media::{same_stream, MediaOwner, RelayInput, SourceEndHandler, VideoSource};
use crate::platform::page::PreconnectHint;
use crate::platform::peer::PeerOwner;
use crate::platform::timer::{sleep, Timer};
use crate::platform::wire_response;
use futures_channel::mpsc::UnboundedSender;
use futures_util::future::{self, Either};
use overshoot_protocol::{lease, ErrorKind};
use std::cell::{Cell, OnceCell, RefCell};
use std::future::Future;
use std::rc::Rc;

/// The resources of a streaming session. Dropping it releases all of them.
pub struct Live {
    /// The stream and its connections; `None` only while a recovery replaces them.
    /// Boxed, so that the session's futures move a pointer (−0.25 KB gzip of wasm).
    pub link: Option<Box<Link>>,
    pub renew_timer: Option<Timer>,
    pub reconnect_timer: Option<Timer>,
    /// Fires when the peer connection stays `disconnected` too long.
    pub stall_timer: Option<Timer>,
    pub reconnect_attempts: u32,
    pub keepalive_failures: u32,
    /// ICE recoveries done (each makes a new link).
    pub recoveries: u32,
    /// Generation of the current link.
    pub generation: u32,
    /// Whether the peer connection is `connected` now.
    pub peer_connected: bool,
    /// Whether it ever was (distinguishes `connecting` from `reconnecting`).
    pub ever_connected: bool,
    /// The video; stops the tracks the package opened on drop. `None` for a
    /// `{type:"livekit"}` source (the app publishes into its own room).
    pub media: Option<MediaOwner>,
}

impl Live {
    /// A session just started: its first link, the renewal timer and the media;
    /// `connected` when the media path counts as up already.
    pub fn new(link: Link, renew_timer: Timer, media: Option<MediaOwner>, connected: bool) -> Live {
        Live {
            renew_timer: Some(renew_timer),
            link: Some(Box::new(link)),
            reconnect_timer: None,
            stall_timer: None,
            reconnect_attempts: 0,
            keepalive_failures: 0,
            recoveries: 0,
            generation: 0,
            peer_connected: connected,
            ever_connected: connected,
            media,
        }
    }

    /// The current stream id, if a link exists.
    pub fn stream_id(&self) -> Option<String> {
        self.link.as_ref().map(|l| l.stream_id.clone())
    }
}

/// Schedules the next lease renewal, after `delay_ms`. A steady (worker-kept) timer:
/// a hidden tab must renew on time too (see `Timer::steady`).
pub fn renew_after(delay_ms: u32, inbox: &UnboundedSender<Event>) -> Timer {
    let inbox = inbox.clone();
    Timer::steady(delay_ms, move || post(&inbox, Event::RenewDue))
}

/// Schedules a new link's first renewal at the usual point of its lease, counted from
/// the create answer: the lease runs from then, however long the media set-up took
/// (joining a LiveKit room can take seconds).
pub fn first_renewal(link: &Link, inbox: &UnboundedSender<Event>) -> Timer {
    let elapsed_ms = (js_sys::Date::now() - link.created_at_ms).max(0.0) as u32;
    renew_after(
        lease::renew_delay_ms(link.ttl_seconds).saturating_sub(elapsed_ms),
        inbox,
    )
}

/// Schedules the next lease renewal at the usual point of a `ttl_seconds` lease.
pub fn renew_timer(ttl_seconds: f64, inbox: &UnboundedSender<Event>) -> Timer {
    renew_after(lease::renew_delay_ms(ttl_seconds), inbox)
}

/// Acquires the media and makes the first link. A camera, video or HLS source (see
/// [`overlaps`]): both at once, the peer connection, offer, create call and answer
/// (then ICE and DTLS) proceed while the source opens, and the track is attached when
/// it arrives.
pub async fn start_up(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    inbox: &UnboundedSender<Event>,
) -> Result<Live, LinkFailure> {
    // Held for the whole start-up (released on return): once the stream is created the
    // connection is in use anyway.
    let _hint = PreconnectHint::add(config.http.base().as_str());
    let (media, link) = match (&config.source, &config.transport) {
        (VideoSource::AppRoom { .. }, _) => {
            check_stop(shared, None)?;
            (
                None,
                negotiate(config, shared, inbox, None, 0, &[], false).await?,
            )
        }
        (source, Transport::WebRtc) if overlaps(source) => {
            let (media, link) = overlapped(config, shared, inbox).await?;
            (Some(media), link)
        }
        #[cfg(feature = "livekit")]
        (source, Transport::LiveKit { client }) if overlaps(source) => {
            let (media, link) = overlapped_room(config, shared, inbox, client).await?;
            (Some(media), link)
        }
        // Serial: a screen (see `overlaps`), a canvas or the app's own stream.
        _ => {
            let media = acquire(config, shared, inbox).await?;
            check_stop(shared, None)?;
            let link = negotiate(config, shared, inbox, Some(&media), 0, &[], false).await?;
            (Some(media), link)
        }
    };
    // With no local media the app's room is its business: count the path as up.
    let external = media.is_none();
    let renewal = first_renewal(&link, inbox);
    Ok(Live::new(link, renewal, media, external))
}

/// Whether the source opens while the stream is created and connected: a camera (its
/// warm-up) and a video or HLS stream (loading `sources.js`, the video's metadata or
/// the manifest and first segment); a failure there DELETEs the stream created
/// meanwhile. Not a screen: getDisplayMedia asks the user every time (no permission is
/// kept, <https://w3c.github.io/mediacapture-screen-share/#dom-mediadevices-getdisplaymedia>),
/// so the prompt takes seconds of the user's time, against the overlap's gain of a few
/// round trips; overlapping it would bill the user, and run the stream's lease, for as
/// long as they look at the picker, and create a stream for everyone who cancels. A
/// canvas or the app's own stream is there at once.
fn overlaps(source: &VideoSource) -> bool {
    match source {
        VideoSource::Camera(_) => true,
        VideoSource::Relayed(relay) => !matches!(relay.input, RelayInput::Screen),
        _ => false,
    }
}

/// Opens the source (interrupted by `stop()`).
pub(super) async fn acquire(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    inbox: &UnboundedSender<Event>,
) -> Result<MediaOwner, LinkFailure> {
    let ended = inbox.clone();
    let on_end: SourceEndHandler = Rc::new(move |error| post(&ended, Event::SourceEnded(error)));
    let opening = MediaOwner::acquire(&config.source, config.relay_size(), on_end);
    let media = unless_stopped(shared, None, opening).await?;
    shared.borrow_mut().media_stream = Some(same_stream(media.stream()));
    config.log("media acquired");
    Ok(media)
}

/// The source and the WebRTC link at once. The track goes on the transceiver as soon
/// as the source answers, whatever step the negotiation is at (a camera that opens at
/// once is on before the answer is applied, as in the serial order). If the source
/// fails (a refused camera, a video that cannot load), its error is start()'s and the
/// stream, if created meanwhile, is deleted by the caller (`stream_id` of the
/// failure); the link's connection closes as it is dropped here. Trade-off: a stream
/// is created (and billed until the DELETE, about one round trip) for a user who then
/// refuses the camera.
async fn overlapped(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    inbox: &UnboundedSender<Event>,
) -> Result<(MediaOwner, Link), LinkFailure> {
    let source_failed = Cell::new(false);
    // Made in `linking`, after the source is asked (`with_source` polls it first):
    // making the connection takes 10-20 ms that would otherwise delay getUserMedia.
    let made: OnceCell<PeerOwner> = OnceCell::new();
    let attached = Cell::new(false);
    let attach_now = |media: &MediaOwner| {
        let track = media.video_track();
        let limits = config.send_limits(media);
        let peer = made.get();
        let attached = &attached;
        async move {
            let Some(peer) = peer else {
                return Ok(()); // making it failed: `linking`'s error is start()'s
            };
            let track = track?;
            peer.attach_video(&track, limits.as_ref()).await?;
            config.log("video attached");
            attached.set(true);
            Ok(())
        }
    };
    let linking = async {
        let _ = made.set(new_peer(config, inbox, PeerVideo::Later, 0, &[], false)?);
        let peer = made.get().ok_or_else(no_peer)?;
        connect_peer(config, shared, inbox, peer, Some(&source_failed), 0, &[]).await
    };
    let (media, created) = with_source(
        config,
        shared,
        inbox,
        &source_failed,
        attach_now,
        linking,
        |c: &Box<Created>| c.lease(),
    )
    .await?;
    // Never without a track in practice (the connection is made before the source
    // can answer), but a start without its video must not pass for a started one.
    let peer = made.into_inner().filter(|_| attached.get());
    let peer = peer.ok_or_else(|| (created.failure())(no_peer()))?;
    let link = peer_link(config, shared, created, peer, &[])?;
    check_stop(shared, Some(&link.stream_id))?;
    Ok((media, link))
}

/// The error of a start whose peer connection or video attachment is missing.
fn no_peer() -> SdkError {
    SdkError::new(ErrorKind::WebRtc, "the peer connection was not made")
}

/// The source and the LiveKit transport's first steps at once: livekit-client loads
/// and the stream is created while the source opens; the room is joined with the
/// track once both are there (livekit-client publishes the track it is given). A
/// failed source: as in [`overlapped`].
#[cfg(feature = "livekit")]
async fn overlapped_room(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    inbox: &UnboundedSender<Event>,
    client: &wasm_bindgen::JsValue,
) -> Result<(MediaOwner, Link), LinkFailure> {
    let source_failed = Cell::new(false);
    let preparing = prepare_room(config, shared, inbox, client, 0, Some(&source_failed));
    let (media, (room, created)) = with_source(
        config,
        shared,
        inbox,
        &source_failed,
        |_: &MediaOwner| future::ready(Ok(())),
        preparing,
        |(_, c)| c.lease(),
    )
    .await?;
    let link = join_room(config, shared, room, created, &media, &[]).await?;
    Ok((media, link))
}

/// Opens the source while `linking` runs, then runs `ready` with it at once (not after
/// `linking`); `source_failed` is set if the source fails. A failure of either is
/// start()'s (the source's first), carrying the id of a stream created meanwhile
/// (`lease` of what `linking` made) so that it gets deleted. While the source is still
/// opening after the stream was created, its lease is renewed.
async fn with_source<T, R: Future<Output = Result<(), SdkError>>>(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    inbox: &UnboundedSender<Event>,
    source_failed: &Cell<bool>,
    ready: impl FnOnce(&MediaOwner) -> R,
    linking: impl Future<Output = Result<T, LinkFailure>>,
    lease: impl Fn(&T) -> Lease<'_>,
) -> Result<(MediaOwner, T), LinkFailure> {
    let acquiring = async {
        let media = acquire(config, shared, inbox).await;
        source_failed.set(media.is_err());
        let media = media?;
        ready(&media).await?;
        Ok(media)
    };
    futures_util::pin_mut!(acquiring, linking);
    let (media, linked) = match future::select(acquiring, linking).await {
        Either::Left((media, linking)) => (media, linking.await),
        Either::Right((Ok(linked), acquiring)) => {
            let media = keep_lease_while(config, lease(&linked), acquiring).await;
            (media, Ok(linked))
        }
        Either::Right((failed, acquiring)) => (acquiring.await, failed),
    };
    match (media, linked) {
        (Ok(media), Ok(linked)) => Ok((media, linked)),
        (Err(failure), Ok(linked)) => Err(LinkFailure {
            stream_id: Some(lease(&linked).stream_id.to_string()),
            ..failure
        }),
        (Err(failure), Err(link_failure)) => Err(LinkFailure {
            stream_id: link_failure.stream_id,
            ..failure
        }),
        (Ok(_), Err(link_failure)) => Err(link_failure),
    }
}

/// Renews `lease` at the usual points until `opening` is done: a source may take longer
/// to open (a video's `loadTimeoutMs` goes up to 120 s, a camera prompt has no bound)
/// than the lease of the stream created meanwhile lasts. A failed renewal is left to
/// the session's first one, right after start-up.
async fn keep_lease_while<M>(
    config: &SessionConfig,
    lease: Lease<'_>,
    opening: impl Future<Output = M>,
) -> M {
    futures_util::pin_mut!(opening);
    let (mut ttl, mut since) = (lease.ttl_seconds, lease.created_at_ms);
    loop {
        let elapsed = (js_sys::Date::now() - since).max(0.0) as u32;
        let due = sleep(lease::renew_delay_ms(ttl).saturating_sub(elapsed));
        futures_util::pin_mut!(due);
        if let Either::Left((opened, _)) = future::select(opening.as_mut(), due).await {
            return opened;
        }
        since = js_sys::Date::now();
        let timeout = lease::keepalive_timeout_ms(config.http.timeout_ms(), ttl);
        let http = config.http.with_timeout(timeout);
        if let Ok(answer) = http.renew_lease(lease.stream_id).await {
            config.log("lease renewed while the source opens");
            let renewed = wire_response::keepalive_response(&answer).ok();
            ttl = renewed.and_then(|k| k.ttl_seconds).unwrap_or(ttl);
        }
    }
}
