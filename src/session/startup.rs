//! Start-up: media, then the first link (see `link.rs`), then the lease timer.

use super::link::{check_stop, negotiate, unless_stopped, Link, LinkFailure};
use super::{post, Event, SessionConfig, Shared};
use crate::platform::media::{same_stream, MediaOwner, SourceEndHandler, VideoSource};
use crate::platform::page::PreconnectHint;
use crate::platform::timer::Timer;
use futures_channel::mpsc::UnboundedSender;
use overshoot_protocol::lease;
use std::cell::RefCell;
use std::rc::Rc;

/// The resources of a streaming session. Dropping it releases all of them.
pub struct Live {
    /// The stream and its connections; `None` only while a recovery replaces them.
    pub link: Option<Link>,
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

/// Acquires the media and makes the first link.
pub async fn start_up(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    inbox: &UnboundedSender<Event>,
) -> Result<Live, LinkFailure> {
    // Held for the whole start-up (released on return): once the stream is created the
    // connection is in use anyway.
    let _hint = PreconnectHint::add(config.http.base().as_str());
    let media = match config.source {
        VideoSource::AppRoom { .. } => None,
        _ => {
            let ended = inbox.clone();
            let on_end: SourceEndHandler =
                Rc::new(move |error| post(&ended, Event::SourceEnded(error)));
            let opening = MediaOwner::acquire(&config.source, config.relay_size(), on_end);
            let media = unless_stopped(shared, None, opening).await?;
            shared.borrow_mut().media_stream = Some(same_stream(media.stream()));
            config.log("media acquired");
            Some(media)
        }
    };
    check_stop(shared, None)?;
    let link = negotiate(config, shared, inbox, media.as_ref(), 0, &[], false).await?;
    // With no local media the app's room is its business: count the path as up.
    let external = media.is_none();
    Ok(Live {
        renew_timer: Some(first_renewal(&link, inbox)),
        link: Some(link),
        reconnect_timer: None,
        stall_timer: None,
        reconnect_attempts: 0,
        keepalive_failures: 0,
        recoveries: 0,
        generation: 0,
        peer_connected: external,
        ever_connected: external,
        media,
    })
}
