//! Changes to a running session's media path: switching cameras, and replacing a
//! failed connection with a new link (ICE recovery).

use super::link::{negotiate, unless_stopped};
use super::running::End;
use super::startup::{first_renewal, Live};
use super::{set_state, Event, SessionConfig, Shared};
use crate::platform::error::SdkError;
use crate::platform::media::{open_camera, same_stream, CameraRequest};
use futures_channel::mpsc::UnboundedSender;
use overshoot_protocol::{ErrorKind, SessionState};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{MediaStream, MediaStreamTrack};

/// New links made after ICE failures before the session fails.
const MAX_ICE_RECOVERIES: u32 = 2;

/// Opens the camera `target` (a facing or a device id) and sends it in place of the
/// current one with `replaceTrack`: the same stream goes on, the old tracks stop.
/// On failure the old camera keeps streaming. `stop()` interrupts a pending prompt.
///
/// Many phones cannot open their front and back cameras at once (the second
/// getUserMedia fails with `NotReadableError`): then the current camera is stopped
/// first and, if the other one still cannot open, reopened.
pub(super) async fn switch_camera(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    live: &mut Live,
    target: &str,
) -> Result<(), SdkError> {
    if !live.media.as_ref().is_some_and(|m| m.is_camera()) {
        return Err(SdkError::new(
            ErrorKind::Validation,
            "switchCamera() needs a camera source",
        ));
    }
    let request = match target {
        "user" | "environment" => CameraRequest {
            facing: target.into(),
            ..CameraRequest::default()
        },
        id => CameraRequest {
            facing: "user".into(),
            device_id: Some(id.into()),
            ..CameraRequest::default()
        },
    };
    let next = match open_unless_stopped(shared, &request).await {
        Err(error) if error.cause_name() == "NotReadableError" => {
            config.log("the other camera is busy: releasing the current one first");
            let previous = live.media.as_mut().and_then(|m| m.stop_camera());
            match open_unless_stopped(shared, &request).await {
                Ok(next) => next,
                Err(error) => {
                    reopen(config, shared, live, previous).await;
                    return Err(error);
                }
            }
        }
        opened => opened?,
    };
    send_camera(config, shared, live, next).await?;
    config.log(&format!("switched camera to {target}"));
    Ok(())
}

/// `open_camera`, unless `stop()` comes first (the late camera is then stopped).
async fn open_unless_stopped(
    shared: &Rc<RefCell<Shared>>,
    request: &CameraRequest,
) -> Result<MediaStream, SdkError> {
    unless_stopped(shared, None, open_camera(request))
        .await
        .map_err(|failure| match failure.aborted {
            true => SdkError::new(
                ErrorKind::Aborted,
                "stop() was called while the camera was being switched",
            ),
            false => failure.error,
        })
}

/// Sends `next` in place of the current camera; on failure `next` is stopped and the
/// current camera stays.
async fn send_camera(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    live: &mut Live,
    next: MediaStream,
) -> Result<(), SdkError> {
    let track = next
        .get_video_tracks()
        .get(0)
        .dyn_into::<MediaStreamTrack>()
        .map_err(|_| SdkError::new(ErrorKind::Media, "the new camera has no video track"))?;
    let replaced = match live.link.as_ref() {
        Some(link) => link.uplink.replace_video_track(&track).await,
        None => Err(SdkError::new(
            ErrorKind::WebRtc,
            "the connection is being re-established; try again",
        )),
    };
    if let Err(e) = replaced {
        track.stop();
        return Err(e);
    }
    shared.borrow_mut().media_stream = Some(same_stream(&next));
    if let Some(media) = live.media.as_mut() {
        media.replace(next);
    }
    config.log("camera track replaced");
    Ok(())
}

/// Reopens the camera `device` that was stopped to make room for another that then
/// failed; if even that fails the session goes on without video, and says so.
async fn reopen(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    live: &mut Live,
    device: Option<String>,
) {
    let request = CameraRequest {
        facing: "user".into(),
        device_id: device,
        ..CameraRequest::default()
    };
    let reopened = match open_unless_stopped(shared, &request).await {
        Ok(stream) => send_camera(config, shared, live, stream).await,
        Err(error) => Err(error),
    };
    if let Err(error) = reopened {
        let error = SdkError::new(
            ErrorKind::Media,
            format!("the previous camera could not be reopened after a failed switch ({error})"),
        );
        super::report_error(config, &error);
    }
}

/// Replaces a failed media path with a new link (a new stream) over the same media,
/// through the TURN servers the previous response returned — relay only, when there
/// were any. Bounded by `MAX_ICE_RECOVERIES`.
pub(super) async fn recover(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    live: &mut Live,
    inbox: &UnboundedSender<Event>,
) -> Option<End> {
    if live.recoveries >= MAX_ICE_RECOVERIES {
        return Some(End::Failed {
            error: SdkError::new(
                ErrorKind::WebRtc,
                "the WebRTC connection failed and could not be recovered",
            ),
            server_ended: false,
        });
    }
    live.recoveries += 1;
    live.generation += 1;
    set_state(config, shared, SessionState::Reconnecting);
    let old = live.link.take()?;
    let turn = old.turn_servers.clone();
    let old_id = old.stream_id.clone();
    drop(old); // its handlers are removed: no more events from it
    live.reconnect_timer = None;
    live.stall_timer = None;
    live.peer_connected = false;
    config.log(&format!(
        "ICE failed: recovery {} with a new stream{}",
        live.recoveries,
        if turn.is_empty() {
            ""
        } else {
            " over TURN (relay only)"
        }
    ));
    // The old stream counts against the concurrency limit: delete it first.
    let _ = config.http.close_stream_reliably(&old_id).await;
    match negotiate(
        config,
        shared,
        inbox,
        live.media.as_ref(),
        live.generation,
        &turn,
        !turn.is_empty(),
    )
    .await
    {
        Ok(link) => {
            live.renew_timer = Some(first_renewal(&link, inbox));
            live.reconnect_attempts = 0;
            live.link = Some(Box::new(link));
            None
        }
        Err(failure) => {
            if let Some(id) = failure.stream_id {
                let _ = config.http.close_stream_reliably(&id).await;
            }
            if failure.aborted {
                // stop() arrived meanwhile; its Stop event is still queued.
                return None;
            }
            Some(End::Failed {
                error: failure.error,
                server_ended: true,
            })
        }
    }
}
