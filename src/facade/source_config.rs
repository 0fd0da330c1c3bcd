//! The `source` option: where the video comes from.

use crate::platform::error::SdkError;
use crate::platform::js_object::JsObject;
use crate::platform::media::{same_stream, CameraRequest, RelayInput, RelayRequest, VideoSource};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, HtmlCanvasElement, MediaStream, MediaStreamTrack};

const SOURCE_TYPES: &[&str] = &[
    "camera", "screen", "video", "hls", "stream", "canvas", "livekit",
];

/// `source`: `{type:"camera", cameraFacing?, deviceId?, width?, height?, frameRate?}`
/// (the default), `{type:"screen"}`, `{type:"video", file | url, loop?}`,
/// `{type:"hls", url, hlsJs?}` (these three also take `fps?` and `loadTimeoutMs?`),
/// `{type:"stream", stream | track}`, `{type:"canvas", canvas, fps?}`,
/// `{type:"livekit", url, token}` (the app publishes into its own room; only in the
/// full module, feature `livekit`: the main entry refuses it), or a
/// `MediaStream` / `MediaStreamTrack` itself.
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
    match source.one_of("type", SOURCE_TYPES)?.as_deref() {
        Some("screen") => relayed(&source, RelayInput::Screen),
        #[cfg(not(feature = "livekit"))]
        Some("livekit") => Err(super::config::needs_livekit_entry(
            "source.type",
            "is \"livekit\", which the package's main entry does not include (so that WebRTC pages do not download it): import from \"overshoot-wasm/full\" (or \"overshoot-wasm/full/manual-init\") to use a livekit source (the app's own room)",
        )),
        #[cfg(feature = "livekit")]
        Some("livekit") => {
            let url = source.required_string("url")?;
            let token = source.required_string("token")?;
            for (field, value) in [("source.url", &url), ("source.token", &token)] {
                if value.trim().is_empty() {
                    return Err(SdkError::validation(field, "must not be empty"));
                }
            }
            Ok(VideoSource::AppRoom { url, token })
        }
        Some("video") => {
            let media = match (source.get("file")?, source.string("url")?) {
                (Some(file), None) if file.is_instance_of::<Blob>() => file,
                (None, Some(url)) if !url.trim().is_empty() => JsValue::from_str(&url),
                (Some(_), Some(_)) => {
                    return Err(SdkError::validation(
                        "source.file",
                        "and source.url cannot both be given",
                    ))
                }
                (Some(_), None) => {
                    return Err(SdkError::validation(
                        "source.file",
                        "must be a File or Blob",
                    ))
                }
                _ => {
                    return Err(SdkError::validation(
                        "source.url",
                        "or source.file is required for a video source",
                    ))
                }
            };
            let looped = source.boolean("loop")?.unwrap_or(true);
            relayed(&source, RelayInput::Video { media, looped })
        }
        Some("hls") => {
            let url = source.required_string("url")?;
            if url.trim().is_empty() {
                return Err(SdkError::validation("source.url", "must not be empty"));
            }
            let hls_js = source.get("hlsJs")?.unwrap_or(JsValue::UNDEFINED);
            if !hls_js.is_undefined() && !hls_js.is_object() && !hls_js.is_function() {
                return Err(SdkError::validation(
                    "source.hlsJs",
                    "must be the hls.js class or module, or a function that loads it",
                ));
            }
            relayed(&source, RelayInput::Hls { url, hls_js })
        }
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
            let fps = read_fps(&source)?;
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
            "is required: one of camera, screen, video, hls, stream, canvas, livekit",
        )),
    }
}

/// A source drawn through a canvas, with its `fps` and `loadTimeoutMs`.
fn relayed(source: &JsObject, input: RelayInput) -> Result<VideoSource, SdkError> {
    let load_timeout_ms = match source.number("loadTimeoutMs")? {
        None => 10_000,
        Some(ms) if (100.0..=120_000.0).contains(&ms) => ms as u32,
        Some(_) => {
            return Err(SdkError::validation(
                "source.loadTimeoutMs",
                "must be between 100 and 120000",
            ))
        }
    };
    Ok(VideoSource::Relayed(RelayRequest {
        input,
        fps: read_fps(source)?,
        load_timeout_ms,
    }))
}

/// `fps`: 1–60, default 15.
fn read_fps(source: &JsObject) -> Result<f64, SdkError> {
    let fps = source.number("fps")?.unwrap_or(15.0);
    if !(1.0..=60.0).contains(&fps) {
        return Err(SdkError::validation(
            "source.fps",
            "must be between 1 and 60",
        ));
    }
    Ok(fps)
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
