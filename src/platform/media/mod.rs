//! The video source: a camera the package opens, a canvas it captures, a
//! `MediaStream`/`MediaStreamTrack` the app hands in, or a screen, video or HLS stream
//! drawn through a canvas (`relay.rs`).

mod camera;
mod relay;

pub use camera::{open_camera, CameraRequest};
pub use relay::{RelayInput, RelayRequest};

use super::error::SdkError;
use overshoot_protocol::ErrorKind;
use relay::Relay;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{MediaStream, MediaStreamTrack};

/// Another handle to the same `MediaStream` object.
///
/// Browser quirk: web-sys exposes the JS method `MediaStream.clone()`, which shadows
/// `Clone::clone` and creates a *new* stream with cloned tracks that nobody stops
/// (<https://developer.mozilla.org/docs/Web/API/MediaStream/clone>). Never call
/// `.clone()` on a `MediaStream` or `MediaStreamTrack`; use this.
pub fn same_stream(stream: &MediaStream) -> MediaStream {
    Clone::clone(stream)
}

/// Told once when the source ends or fails after it started (a `SourceEndedError`
/// or `SourceLoadError`).
pub type SourceEndHandler = Rc<dyn Fn(SdkError)>;

/// Which video the session sends.
#[derive(Clone, Debug)]
pub enum VideoSource {
    /// A camera opened with getUserMedia.
    Camera(CameraRequest),
    /// A canvas the app draws, captured at `fps` frames per second.
    Canvas {
        /// The canvas.
        canvas: web_sys::HtmlCanvasElement,
        /// Capture rate.
        fps: f64,
    },
    /// A stream the app already has; its tracks stay the app's (never stopped here).
    Stream(MediaStream),
    /// A screen, video or HLS stream the package draws through a canvas.
    Relayed(RelayRequest),
    /// No local video: the app publishes into its own LiveKit room (`url`, `token`).
    /// Only in the full module (feature `livekit`); the main entry refuses it.
    #[cfg(feature = "livekit")]
    AppRoom { url: String, token: String },
}

/// Owns the media of one session. What the package opened (camera, capture tracks,
/// relay) is released on drop; an app's own tracks are left running.
pub struct MediaOwner {
    stream: MediaStream,
    owned: bool,
    camera: bool,
    on_end: SourceEndHandler,
    end_watch: Option<TrackEndWatch>,
    _relay: Option<Relay>,
}

impl MediaOwner {
    /// Opens `source`, fitting relayed sources within `max_long × max_short`. Camera
    /// failures (`NotAllowedError`, `NotFoundError`, `NotReadableError`, …) become
    /// `MediaError`s that keep the DOMException as `cause`.
    pub async fn acquire(
        source: &VideoSource,
        (max_long, max_short): (u32, u32),
        on_end: SourceEndHandler,
    ) -> Result<MediaOwner, SdkError> {
        let (stream, owned, camera, relay) = match source {
            VideoSource::Stream(stream) => {
                if stream.get_video_tracks().length() == 0 {
                    return Err(SdkError::new(
                        ErrorKind::Validation,
                        "source.stream has no video track",
                    ));
                }
                (same_stream(stream), false, false, None)
            }
            VideoSource::Camera(request) => (open_camera(request).await?, true, true, None),
            VideoSource::Canvas { canvas, fps } => {
                let stream = canvas
                    .capture_stream_with_frame_request_rate(*fps)
                    .map_err(|e| {
                        SdkError::from_js(
                            ErrorKind::Media,
                            "canvas.captureStream failed (a tainted canvas cannot be captured)",
                            e,
                        )
                    })?;
                // The capture track is ours (stopping it leaves the canvas alone).
                (stream, true, false, None)
            }
            #[cfg(feature = "livekit")]
            VideoSource::AppRoom { .. } => {
                return Err(SdkError::new(
                    ErrorKind::Validation,
                    "a livekit source has no local media to open",
                ))
            }
            VideoSource::Relayed(request) => {
                let relay = Relay::open(request, max_long, max_short, on_end.clone()).await?;
                (relay.stream(), true, false, Some(relay))
            }
        };
        let mut owner = MediaOwner {
            stream,
            owned,
            camera,
            on_end,
            end_watch: None,
            _relay: relay,
        };
        if owner._relay.is_none() {
            // Relays watch their own source; a camera or app track is watched here.
            owner.watch_track()?;
        }
        Ok(owner)
    }

    /// Whether this is a camera the package opened (it can be switched).
    pub fn is_camera(&self) -> bool {
        self.camera
    }

    /// Replaces the camera with `next` (already opened): the old tracks stop.
    pub fn replace(&mut self, next: MediaStream) {
        self.end_watch = None;
        let previous = std::mem::replace(&mut self.stream, next);
        stop_all(&previous);
        if self.watch_track().is_err() {
            // The new stream was checked for a video track before the switch.
            self.end_watch = None;
        }
    }

    /// Stops the camera's tracks but keeps the (now ended) stream, so that another
    /// camera can be opened on a device that cannot run two at once; `replace` then
    /// installs the new one. Returns the stopped camera's `deviceId`, to reopen it.
    pub fn stop_camera(&mut self) -> Option<String> {
        self.end_watch = None;
        let device = self
            .video_track()
            .ok()
            .and_then(|t| js_sys::Reflect::get(&t.get_settings(), &"deviceId".into()).ok())
            .and_then(|id| id.as_string());
        stop_all(&self.stream);
        device
    }

    /// The stream being sent.
    pub fn stream(&self) -> &MediaStream {
        &self.stream
    }

    /// The size of the picture sent, `(0, 0)` when unknown. A relay's is its video's,
    /// fitted: a canvas capture track's settings show a new canvas size only once a frame
    /// of it has gone through (Chromium reports `2×2` when the relay opens).
    pub fn picture_size(&self) -> (u32, u32) {
        if let Some(relay) = &self._relay {
            return relay.picture_size();
        }
        let settings: JsValue = match self.video_track() {
            Ok(track) => track.get_settings().into(),
            Err(_) => return (0, 0),
        };
        let dim = |k: &str| {
            js_sys::Reflect::get(&settings, &k.into())
                .ok()
                .and_then(|v| v.as_f64())
                .unwrap_or(0.0) as u32
        };
        (dim("width"), dim("height"))
    }

    /// The first video track.
    pub fn video_track(&self) -> Result<MediaStreamTrack, SdkError> {
        self.stream
            .get_video_tracks()
            .get(0)
            .dyn_into::<MediaStreamTrack>()
            .map_err(|_| SdkError::new(ErrorKind::Media, "the media stream has no video track"))
    }

    fn watch_track(&mut self) -> Result<(), SdkError> {
        let what = if self.camera {
            "the camera stopped (unplugged, or access revoked)"
        } else {
            "the source's video track ended"
        };
        self.end_watch = Some(TrackEndWatch::new(
            self.video_track()?,
            what,
            self.on_end.clone(),
        ));
        Ok(())
    }
}

impl Drop for MediaOwner {
    fn drop(&mut self) {
        self.end_watch = None;
        if self.owned {
            stop_all(&self.stream);
        }
    }
}

/// Listens for a track's `ended` event, which the browser fires when the source goes
/// away (device unplugged, permission revoked), never for our own `stop()`
/// (<https://w3c.github.io/mediacapture-main/#event-mediastreamtrack-ended>).
struct TrackEndWatch {
    track: MediaStreamTrack,
    listener: Closure<dyn FnMut()>,
}

impl TrackEndWatch {
    fn new(track: MediaStreamTrack, what: &'static str, on_end: SourceEndHandler) -> Self {
        let listener = Closure::<dyn FnMut()>::new(move || {
            on_end(SdkError::new(ErrorKind::SourceEnded, what));
        });
        let _ = track.add_event_listener_with_callback("ended", listener.as_ref().unchecked_ref());
        TrackEndWatch { track, listener }
    }
}

impl Drop for TrackEndWatch {
    fn drop(&mut self) {
        let _ = self
            .track
            .remove_event_listener_with_callback("ended", self.listener.as_ref().unchecked_ref());
    }
}

fn stop_all(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
            track.stop();
        }
    }
}
