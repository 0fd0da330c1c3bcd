//! The video source: a camera the package opens, a canvas it captures, or a
//! `MediaStream`/`MediaStreamTrack` the app hands in.

use super::error::SdkError;
use js_sys::{Object, Reflect};
use overshoot_protocol::ErrorKind;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
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

/// Which camera to open, and the picture to ask it for (ideal values).
#[derive(Clone, Debug, Default)]
pub struct CameraRequest {
    /// `user` (front) or `environment` (back).
    pub facing: String,
    /// A specific device, from `enumerateDevices()`.
    pub device_id: Option<String>,
    /// Ideal width, height and frame rate.
    pub width: Option<f64>,
    pub height: Option<f64>,
    pub frame_rate: Option<f64>,
}

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
}

/// Owns the media of one session. Tracks the package opened are stopped on drop.
pub struct MediaOwner {
    stream: MediaStream,
    owned: bool,
    camera: bool,
}

impl MediaOwner {
    /// Opens `source`. Camera failures (`NotAllowedError`, `NotFoundError`,
    /// `NotReadableError`, …) become `MediaError`s that keep the DOMException as `cause`.
    pub async fn acquire(source: &VideoSource) -> Result<MediaOwner, SdkError> {
        match source {
            VideoSource::Stream(stream) => {
                if stream.get_video_tracks().length() == 0 {
                    return Err(SdkError::new(
                        ErrorKind::Validation,
                        "source.stream has no video track",
                    ));
                }
                Ok(MediaOwner {
                    stream: same_stream(stream),
                    owned: false,
                    camera: false,
                })
            }
            VideoSource::Camera(request) => Ok(MediaOwner {
                stream: open_camera(request).await?,
                owned: true,
                camera: true,
            }),
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
                Ok(MediaOwner {
                    stream,
                    owned: true,
                    camera: false,
                })
            }
        }
    }

    /// Whether this is a camera the package opened (it can be switched).
    pub fn is_camera(&self) -> bool {
        self.camera
    }

    /// Replaces the camera with `next` (already opened): the old tracks stop.
    pub fn replace(&mut self, next: MediaStream) {
        let previous = std::mem::replace(&mut self.stream, next);
        stop_all(&previous);
    }

    /// The stream being sent.
    pub fn stream(&self) -> &MediaStream {
        &self.stream
    }

    /// The first video track.
    pub fn video_track(&self) -> Result<MediaStreamTrack, SdkError> {
        self.stream
            .get_video_tracks()
            .get(0)
            .dyn_into::<MediaStreamTrack>()
            .map_err(|_| SdkError::new(ErrorKind::Media, "the media stream has no video track"))
    }
}

impl Drop for MediaOwner {
    fn drop(&mut self) {
        if self.owned {
            stop_all(&self.stream);
        }
    }
}

fn stop_all(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
            track.stop();
        }
    }
}

/// Opens a camera (getUserMedia, video only).
pub async fn open_camera(request: &CameraRequest) -> Result<MediaStream, SdkError> {
    let devices = web_sys::window()
        .ok_or_else(|| SdkError::new(ErrorKind::Media, "camera capture needs a window"))?
        .navigator()
        .media_devices()
        .map_err(|e| SdkError::from_js(ErrorKind::Media, "navigator.mediaDevices is unavailable (needs a secure context: https or localhost)", e))?;
    let video = Object::new();
    let ideal = |v: &str| {
        let o = Object::new();
        let _ = Reflect::set(&o, &"ideal".into(), &v.into());
        o
    };
    let _ = Reflect::set(&video, &"facingMode".into(), &ideal(&request.facing));
    for (key, value) in [
        ("width", request.width),
        ("height", request.height),
        ("frameRate", request.frame_rate),
    ] {
        if let Some(v) = value {
            let o = Object::new();
            let _ = Reflect::set(&o, &"ideal".into(), &v.into());
            let _ = Reflect::set(&video, &key.into(), &o);
        }
    }
    if let Some(id) = &request.device_id {
        let exact = Object::new();
        let _ = Reflect::set(&exact, &"exact".into(), &id.as_str().into());
        let _ = Reflect::set(&video, &"deviceId".into(), &exact);
    }
    let constraints = web_sys::MediaStreamConstraints::new();
    constraints.set_video(&video);
    constraints.set_audio(&JsValue::FALSE);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|e| camera_error(e))?;
    let stream = JsFuture::from(promise).await.map_err(camera_error)?;
    stream.dyn_into::<MediaStream>().map_err(|_| {
        SdkError::new(
            ErrorKind::Media,
            "getUserMedia did not return a MediaStream",
        )
    })
}

/// A helpful message for each getUserMedia failure, per
/// <https://developer.mozilla.org/docs/Web/API/MediaDevices/getUserMedia#exceptions>.
fn camera_error(err: JsValue) -> SdkError {
    let base = SdkError::from_js(ErrorKind::Media, "camera", err);
    let hint = match base.cause_name().as_str() {
        "NotAllowedError" | "SecurityError" => "camera permission was denied",
        "NotFoundError" | "OverconstrainedError" => "no camera matches the request",
        "NotReadableError" | "AbortError" => "the camera is busy or failed to start",
        _ => "the camera could not be opened",
    };
    SdkError {
        message: format!("{hint} ({})", base.message),
        ..base
    }
}
