//! Start-up: media → peer connection → offer → `POST /streams` → TURN servers →
//! local/remote descriptions → results socket → lease timer.
//!
//! Order matters: the offer is created before the POST but applied only after
//! `setConfiguration` has added the response's TURN servers, because applying it
//! starts ICE gathering with whatever servers are configured at that moment.

use super::{post, Event, SessionConfig, Shared};
use crate::platform::error::SdkError;
use crate::platform::json::to_js;
use crate::platform::media::{same_stream, MediaOwner};
use crate::platform::page::PageHideOwner;
use crate::platform::peer::{merge_ice_servers, PeerOwner};
use crate::platform::socket::SocketOwner;
use crate::platform::timer::Timer;
use crate::platform::wire_response;
use futures_channel::mpsc::UnboundedSender;
use overshoot_protocol::{lease, validate_request, ErrorKind, Source};
use std::cell::RefCell;
use std::rc::Rc;

/// The resources of a streaming session. Dropping it releases all of them.
pub struct Live {
    pub stream_id: String,
    pub ttl_seconds: f64,
    pub socket: Option<SocketOwner>,
    pub renew_timer: Option<Timer>,
    pub reconnect_timer: Option<Timer>,
    pub reconnect_attempts: u32,
    pub keepalive_failures: u32,
    /// Whether the peer connection is `connected` now.
    pub peer_connected: bool,
    /// Whether it ever was (distinguishes `connecting` from `reconnecting`).
    pub ever_connected: bool,
    /// Deletes the stream if the page goes away.
    pub _page_hide: Option<PageHideOwner>,
    /// Held for its `Drop` (closes the connection).
    pub _peer: PeerOwner,
    /// Held for its `Drop` (stops the tracks the package opened).
    pub _media: MediaOwner,
}

/// Why start-up ended early, and the stream to delete if one was created.
pub struct StartFailure {
    pub error: SdkError,
    pub stream_id: Option<String>,
    pub aborted: bool,
}

impl From<SdkError> for StartFailure {
    fn from(error: SdkError) -> Self {
        StartFailure {
            error,
            stream_id: None,
            aborted: false,
        }
    }
}

fn check_stop(shared: &Rc<RefCell<Shared>>, stream_id: Option<&str>) -> Result<(), StartFailure> {
    if shared.borrow().stop_requested {
        return Err(StartFailure {
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

/// Opens the results socket, forwarding its events to the session's inbox.
pub fn open_socket(
    config: &SessionConfig,
    stream_id: &str,
    inbox: &UnboundedSender<Event>,
) -> Result<SocketOwner, SdkError> {
    let url = config.http.base().results_socket(stream_id);
    let inbox = inbox.clone();
    SocketOwner::open(&url, config.http.api_key(), move |e| {
        post(&inbox, Event::Socket(e))
    })
}

/// Schedules the next lease renewal.
pub fn renew_timer(ttl_seconds: f64, inbox: &UnboundedSender<Event>) -> Timer {
    let inbox = inbox.clone();
    Timer::once(lease::renew_delay_ms(ttl_seconds), move || {
        post(&inbox, Event::RenewDue)
    })
}

pub async fn start_up(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    inbox: &UnboundedSender<Event>,
) -> Result<Live, StartFailure> {
    let media = MediaOwner::acquire(&config.source).await?;
    shared.borrow_mut().media_stream = Some(same_stream(media.stream()));
    config.log("media acquired");
    check_stop(shared, None)?;

    let peer_inbox = inbox.clone();
    let peer = PeerOwner::new(&config.user_ice_servers, move |state| {
        post(&peer_inbox, Event::Peer(state))
    })?;
    peer.add_sendonly_video(&media.video_track()?, media.stream())?;
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
    let fail = |error: SdkError| StartFailure {
        error,
        stream_id: Some(stream_id.clone()),
        aborted: false,
    };
    check_stop(shared, Some(&stream_id))?;

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
    let ice = merge_ice_servers(
        &config.user_ice_servers,
        response.turn_servers.as_deref().unwrap_or(&[]),
    );
    peer.set_ice_servers(&ice).map_err(fail)?;
    peer.set_local_offer(&offer_sdp).await.map_err(fail)?;
    peer.set_remote_answer(&answer).await.map_err(fail)?;
    check_stop(shared, Some(&stream_id))?;

    config.log("answer applied; opening the results socket");
    let socket = open_socket(config, &stream_id, inbox).map_err(fail)?;
    shared.borrow_mut().peer = Some(peer.connection().clone());
    let ttl_seconds = response.lease.as_ref().map_or(60.0, |l| l.ttl_seconds);
    Ok(Live {
        stream_id,
        ttl_seconds,
        socket: Some(socket),
        renew_timer: Some(renew_timer(ttl_seconds, inbox)),
        reconnect_timer: None,
        reconnect_attempts: 0,
        keepalive_failures: 0,
        peer_connected: false,
        ever_connected: false,
        _page_hide: page_hide,
        _peer: peer,
        _media: media,
    })
}
