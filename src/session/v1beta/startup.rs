//! Start-up of a v1beta session (§14): the source, then livekit-client (loaded before
//! the stream is created, so a missing library costs nothing), then `POST /streams`
//! with `{}`, then the source's track published into the stream's room with
//! `publish.url`/`publish.token`. `start()` resolves then; the wait for the first
//! ingested frame runs in the loop.

use super::super::link::{check_stop, room_events, unless_stopped, Link, LinkFailure, Uplink};
use super::super::startup::{acquire, renew_after, Live};
use super::super::{post, Event, SessionConfig, Shared, Transport};
use crate::platform::error::SdkError;
use crate::platform::page::{PageHideOwner, PreconnectHint};
use crate::platform::room::RoomOwner;
use crate::platform::v1beta_http::V1betaHttp;
use crate::platform::v1beta_wire::{created, stream_id_of};
use futures_channel::mpsc::UnboundedSender;
use overshoot_protocol::v1beta::retry::renew_interval_ms;
use overshoot_protocol::ErrorKind;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// Wraps `error` as a failure that deletes `stream_id`.
fn failure_of(stream_id: &str) -> impl Fn(SdkError) -> LinkFailure + '_ {
    move |error| LinkFailure {
        error,
        stream_id: Some(stream_id.to_string()),
        aborted: false,
    }
}

/// Media, room, stream, publishing. On failure the stream (if created) is named for
/// deletion.
pub(super) async fn start_up(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    inbox: &UnboundedSender<Event>,
    http: &V1betaHttp,
) -> Result<Live, LinkFailure> {
    let _hint = PreconnectHint::add(config.http.base().as_str());
    let media = acquire(config, shared, inbox).await?;
    let track = media.video_track()?;
    let limits = config.send_limits(&media);
    let client = match &config.transport {
        Transport::LiveKit { client } => client.clone(),
        Transport::WebRtc => JsValue::UNDEFINED,
    };
    let room = unless_stopped(
        shared,
        None,
        RoomOwner::load(&client, room_events(0, inbox)),
    )
    .await?;
    check_stop(shared, None)?;
    // Not interruptible: a dropped create could leave a stream whose id we never learn.
    let answer = http.create_stream(&js_sys::Object::new().into()).await?;
    let stream = created(&answer).map_err(|error| LinkFailure {
        error,
        stream_id: stream_id_of(&answer),
        aborted: false,
    })?;
    let created_at_ms = js_sys::Date::now();
    let id = stream.id;
    shared.borrow_mut().stream_id = Some(id.clone());
    config.log(&format!("stream {id} created"));
    // Synchronously in the event: the page may be gone a moment later.
    let page_hide = {
        let (api, id, inbox) = (config.http.clone(), id.clone(), inbox.clone());
        PageHideOwner::listen(move || {
            api.close_stream_on_unload(&id);
            post(&inbox, Event::PageHidden);
        })
    };
    check_stop(shared, Some(&id))?;
    let Some(publish) = stream.publish else {
        return Err(failure_of(&id)(SdkError::new(
            ErrorKind::Api,
            "the create-stream answer has no publish target (publish is null)",
        )));
    };
    let joining = room.publish(&publish.url, &publish.token, &track, limits.as_ref());
    unless_stopped(shared, Some(&id), joining).await?;
    config.log("publishing into the stream's LiveKit room");
    // The lease runs from the create answer, however long joining took.
    let elapsed_ms = (js_sys::Date::now() - created_at_ms).max(0.0) as u32;
    let renew_in = renew_interval_ms(stream.ttl_seconds).saturating_sub(elapsed_ms);
    let link = Link {
        stream_id: id,
        ttl_seconds: stream.ttl_seconds,
        created_at_ms,
        turn_servers: Vec::new(),
        socket: None,
        _page_hide: page_hide,
        uplink: Uplink::Room(room),
    };
    Ok(Live::new(
        link,
        renew_after(renew_in, inbox),
        Some(media),
        false,
    ))
}
