//! The `source` option: where the video comes from.

use crate::platform::error::SdkError;
use crate::platform::js_object::JsObject;
use crate::platform::media::{same_stream, CameraRequest, VideoSource};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlCanvasElement, MediaStream, MediaStreamTrack};

/// `source`: `{type:"camera", cameraFacing?, deviceId?, width?, height?, frameRate?}`
/// (the default), `{type:"stream", stream | track}`, `{type:"canvas", canvas, fps?}`,
/// or a `MediaStream` / `MediaStreamTrack` itself.
pub fn read_source(cfg: &JsObject) -> Result<VideoSource, SdkError> {
    let Some(value) = cfg.get("source")? else {
        return Ok(VideoSource::Camera(CameraRequest {
            facing: "user".into(),
            ..CameraRequest::default()
        }));
    };
    if let Some(stream) = media_of(&value) {
        return Ok(VideoSource::Stream(stream));
    }
    let source = JsObject::new(&value, "source")?;
    match source
        .one_of("type", &["camera", "stream", "canvas"])?
        .as_deref()
    {
        Some("stream") => {
            let given = source
                .get("stream")?
                .or(source.get("track")?)
                .unwrap_or(JsValue::UNDEFINED);
            let stream = media_of(&given).ok_or_else(|| {
                SdkError::validation(
                    "source.stream",
                    "must be a MediaStream or a MediaStreamTrack",
                )
            })?;
            Ok(VideoSource::Stream(stream))
        }
        Some("canvas") => {
            let canvas = source
                .get("canvas")?
                .and_then(|c| c.dyn_into::<HtmlCanvasElement>().ok())
                .ok_or_else(|| {
                    SdkError::validation("source.canvas", "must be an HTMLCanvasElement")
                })?;
            let fps = source.number("fps")?.unwrap_or(15.0);
            if !(1.0..=60.0).contains(&fps) {
                return Err(SdkError::validation(
                    "source.fps",
                    "must be between 1 and 60",
                ));
            }
            Ok(VideoSource::Canvas { canvas, fps })
        }
        Some(_) => Ok(VideoSource::Camera(CameraRequest {
            facing: source
                .one_of("cameraFacing", &["user", "environment"])?
                .unwrap_or_else(|| "user".into()),
            device_id: source.string("deviceId")?,
            width: positive(&source, "width")?,
            height: positive(&source, "height")?,
            frame_rate: positive(&source, "frameRate")?,
        })),
        None => Err(SdkError::validation(
            "source.type",
            "is required: \"camera\", \"stream\" or \"canvas\"",
        )),
    }
}

fn positive(source: &JsObject, key: &str) -> Result<Option<f64>, SdkError> {
    match source.number(key)? {
        Some(n) if n <= 0.0 => Err(SdkError::validation(
            &format!("source.{key}"),
            "must be a positive number",
        )),
        other => Ok(other),
    }
}

/// A `MediaStream` as is, or a `MediaStreamTrack` wrapped in a new stream (the
/// track stays the app's).
fn media_of(value: &JsValue) -> Option<MediaStream> {
    if let Some(stream) = value.dyn_ref::<MediaStream>() {
        return Some(same_stream(stream));
    }
    let track = value.dyn_ref::<MediaStreamTrack>()?;
    let tracks = js_sys::Array::of1(track);
    MediaStream::new_with_tracks(&tracks).ok()
}
