//! The video source: a camera the package opens, or a `MediaStream` the app hands in.

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

/// Which video the session sends.
#[derive(Clone, Debug)]
pub enum VideoSource {
    /// A camera opened with getUserMedia.
    Camera {
        /// `user` (front) or `environment` (back).
        facing: String,
        /// A specific device, from `enumerateDevices()`.
        device_id: Option<String>,
    },
    /// A stream the app already has; its tracks stay the app's (never stopped here).
    Stream(MediaStream),
}

/// Owns the media of one session. Tracks the package opened are stopped on drop.
pub struct MediaOwner {
    stream: MediaStream,
    owned: bool,
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
                })
            }
            VideoSource::Camera { facing, device_id } => {
                let stream = open_camera(facing, device_id.as_deref()).await?;
                Ok(MediaOwner {
                    stream,
                    owned: true,
                })
            }
        }
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
            for track in self.stream.get_tracks().iter() {
                if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                    track.stop();
                }
            }
        }
    }
}

async fn open_camera(facing: &str, device_id: Option<&str>) -> Result<MediaStream, SdkError> {
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
    let _ = Reflect::set(&video, &"facingMode".into(), &ideal(facing));
    if let Some(id) = device_id {
        let exact = Object::new();
        let _ = Reflect::set(&exact, &"exact".into(), &id.into());
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
