//! The camera: getUserMedia with hints, and a helpful message for each failure.

use crate::platform::error::SdkError;
use js_sys::{Object, Reflect};
use overshoot_protocol::ErrorKind;
use wasm_bindgen::{JsCast, JsValue};
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
