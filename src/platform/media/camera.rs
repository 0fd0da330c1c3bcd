//! The camera: getUserMedia with hints, and a helpful message for each failure.

use crate::platform::error::SdkError;
use crate::platform::runtime::stop_late_stream;
use js_sys::{Object, Promise, Reflect};
use overshoot_protocol::ErrorKind;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::MediaStream;

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

/// Opens a camera (getUserMedia, video only). Dropping the future while the browser
/// has not answered (stop() or free() during the permission prompt) does not leave
/// the camera on: see [`PendingCamera`].
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
        .map_err(camera_error)?;
    let stream = PendingCamera::new(promise)
        .answer()
        .await
        .map_err(camera_error)?;
    stream.dyn_into::<MediaStream>().map_err(|_| {
        SdkError::new(
            ErrorKind::Media,
            "getUserMedia did not return a MediaStream",
        )
    })
}

/// A getUserMedia request the browser has not answered yet. Browser quirk: the request
/// cannot be cancelled (<https://w3c.github.io/mediacapture-main/#dom-mediadevices-getusermedia>),
/// so a user who allows the prompt after its caller gave up still gets a live camera.
/// Dropped before the answer, this stops that stream's tracks once it arrives.
struct PendingCamera {
    promise: Promise,
    answered: bool,
}

impl PendingCamera {
    fn new(promise: Promise) -> Self {
        PendingCamera {
            promise,
            answered: false,
        }
    }

    /// Waits for the answer: the stream (then the caller's to stop) or the refusal.
    async fn answer(mut self) -> Result<JsValue, JsValue> {
        let outcome = JsFuture::from(Clone::clone(&self.promise)).await;
        self.answered = true;
        outcome
    }
}

impl Drop for PendingCamera {
    fn drop(&mut self) {
        if !self.answered {
            stop_late_stream(&self.promise);
        }
    }
}

/// A helpful message for each getUserMedia failure, per
/// <https://developer.mozilla.org/docs/Web/API/MediaDevices/getUserMedia#exceptions>.
fn camera_error(err: JsValue) -> SdkError {
    let mut error = SdkError::from_js(ErrorKind::Media, "camera", err);
    let hint = match error.cause_name().as_str() {
        "NotAllowedError" | "SecurityError" => "camera permission was denied",
        "NotFoundError" | "OverconstrainedError" => "no camera matches the request",
        "NotReadableError" | "AbortError" => "the camera is busy or failed to start",
        _ => "the camera could not be opened",
    };
    error.message = format!("{hint} ({})", error.message);
    error
}
