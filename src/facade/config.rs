//! Reads and validates the app's config object, before any network or media call.

use super::source_config::read_source;
use crate::platform::credential::{check_value, Credential};
use crate::platform::error::SdkError;
use crate::platform::http::{ApiHttp, DEFAULT_TIMEOUT_MS};
use crate::platform::js_object::JsObject;
#[cfg(feature = "v1beta")]
use crate::platform::media::VideoSource;
#[cfg(feature = "v1beta")]
use crate::session::v1beta::V1betaOptions;
use crate::session::{SessionConfig, Transport, VideoCaps};
use js_sys::Array;
use overshoot_protocol::endpoints::BaseUrl;
use overshoot_protocol::v1beta::endpoints::Generation;
use overshoot_protocol::*;
use wasm_bindgen::{JsCast, JsValue};

/// `apiKey`, `apiUrl`, `allowInsecureHttp` and `requestTimeoutMs`, shared by both classes.
pub fn read_http(cfg: &JsObject) -> Result<ApiHttp, SdkError> {
    let api_key = read_api_key(cfg)?;
    let allow_insecure = cfg.boolean("allowInsecureHttp")?.unwrap_or(false);
    let url = cfg
        .string("apiUrl")?
        .unwrap_or_else(|| DEFAULT_API_URL.to_string());
    let base =
        BaseUrl::parse(&url, allow_insecure).map_err(|e| SdkError::validation("apiUrl", &e.0))?;
    #[cfg(not(feature = "v1beta"))]
    if base.generation() == Generation::V1beta {
        return Err(super::v1beta::needs_v1beta_entry());
    }
    let timeout = cfg
        .number("requestTimeoutMs")?
        .unwrap_or(f64::from(DEFAULT_TIMEOUT_MS));
    if !(100.0..=600_000.0).contains(&timeout) {
        return Err(SdkError::validation(
            "requestTimeoutMs",
            "must be between 100 and 600000",
        ));
    }
    Ok(ApiHttp::new(base, api_key, timeout as u32))
}

/// `apiKey`: a key or token (checked by [`check_value`]), or a function returning
/// one or a Promise of one (see [`Credential`]).
fn read_api_key(cfg: &JsObject) -> Result<Credential, SdkError> {
    if let Some(function) = cfg
        .get("apiKey")?
        .and_then(|v| v.dyn_into::<js_sys::Function>().ok())
    {
        return Ok(Credential::provider(function));
    }
    let key = cfg.required_string("apiKey")?;
    Ok(Credential::fixed(check_value(&key)?))
}

/// The whole `RealtimeVision` config.
pub fn read_session_config(value: &JsValue) -> Result<SessionConfig, SdkError> {
    let cfg = JsObject::root(value, "config")?;
    let http = read_http(&cfg)?;
    let on_result = cfg
        .function("onResult")?
        .ok_or_else(|| SdkError::validation("onResult", "is required and must be a function"))?;
    let on_error = cfg.function("onError")?;
    let on_state_change = cfg.function("onStateChange")?;
    // Without the feature `read_http` refused a v1beta `apiUrl` already: the constant
    // lets the build drop the v1beta-only branches below (and their messages).
    let is_v1beta = cfg!(feature = "v1beta") && http.base().generation() == Generation::V1beta;
    let request = read_request(&cfg, is_v1beta)?;
    let source = read_source(&cfg)?;
    let user_ice_servers = read_ice_servers(&cfg)?;
    let debug = cfg.boolean("debug")?.unwrap_or(false);
    let video = read_video_caps(&cfg)?;
    let transport = match cfg.one_of("transport", &["webrtc", "livekit"])?.as_deref() {
        Some("webrtc") if is_v1beta => {
            return Err(SdkError::validation(
                "transport",
                "must be \"livekit\" (or omitted) with a v1beta apiUrl: v1beta streams are fed through LiveKit only",
            ))
        }
        #[cfg(feature = "livekit")]
        Some("livekit") | None if is_v1beta => Transport::LiveKit {
            client: read_livekit_client(&cfg)?,
        },
        #[cfg(feature = "livekit")]
        Some("livekit") => Transport::LiveKit {
            client: read_livekit_client(&cfg)?,
        },
        #[cfg(not(feature = "livekit"))]
        Some("livekit") => return Err(needs_livekit_entry("transport", "is \"livekit\", which the package's main entry does not include (so that WebRTC pages do not download it): import from \"overshoot-wasm/full\" (or \"overshoot-wasm/full/manual-init\") to use the LiveKit transport")),
        _ => Transport::WebRtc,
    };
    #[cfg(not(feature = "v1beta"))]
    refuse_v1beta_options(&cfg)?;
    #[cfg(feature = "v1beta")]
    let v1beta = read_v1beta_options(&cfg, is_v1beta)?;
    #[cfg(feature = "v1beta")]
    if v1beta.is_some() && matches!(source, VideoSource::AppRoom { .. }) {
        return Err(SdkError::validation(
            "source",
            "cannot be {type: \"livekit\"} with a v1beta apiUrl: v1beta makes the room and the package publishes into it",
        ));
    }
    Ok(SessionConfig {
        http,
        request,
        source,
        user_ice_servers,
        on_result,
        on_error,
        on_state_change,
        debug,
        video,
        transport,
        #[cfg(feature = "v1beta")]
        v1beta,
    })
}

/// `prompt` (optional in v1beta: without it only `ask()` asks), `stream` and
/// `onPartial`, which only v1beta answers can honour.
#[cfg(feature = "v1beta")]
fn read_v1beta_options(cfg: &JsObject, is_v1beta: bool) -> Result<Option<V1betaOptions>, SdkError> {
    if !is_v1beta {
        refuse_v1beta_options(cfg)?;
        return Ok(None);
    }
    let stream = cfg.boolean("stream")?;
    let on_partial = cfg.function("onPartial")?;
    Ok(Some(V1betaOptions {
        prompt: cfg.string("prompt")?,
        stream: stream.unwrap_or(false) || on_partial.is_some(),
        on_partial,
    }))
}

/// `stream` and `onPartial` with the streams API, which delivers whole results only.
fn refuse_v1beta_options(cfg: &JsObject) -> Result<(), SdkError> {
    let field = if cfg.boolean("stream")?.is_some() {
        "stream"
    } else if cfg.function("onPartial")?.is_some() {
        "onPartial"
    } else {
        return Ok(());
    };
    Err(SdkError::validation(
        field,
        "needs a v1beta apiUrl (…/v1beta): the streams API delivers whole results only",
    ))
}

/// What `transport: "livekit"` and `source: {type: "livekit"}` get from the build
/// without LiveKit (the main entry): a `ValidationError` on `field`
/// (`code: "livekit_entry_required"`) whose `message` names the entry to import, at
/// construction, before any network or media call (as [`super::v1beta`]'s
/// `needs_v1beta_entry` for a v1beta `apiUrl`). Two whole messages rather than one
/// assembled: 68 B gzip smaller.
#[cfg(not(feature = "livekit"))]
pub(super) fn needs_livekit_entry(field: &str, message: &str) -> SdkError {
    let mut error = SdkError::validation(field, message);
    error.code = Some("livekit_entry_required".into());
    error
}

/// `livekitClient`: the livekit-client module, or a function that loads it.
#[cfg(feature = "livekit")]
fn read_livekit_client(cfg: &JsObject) -> Result<JsValue, SdkError> {
    let client = cfg.get("livekitClient")?.unwrap_or(JsValue::UNDEFINED);
    if !client.is_undefined() && !client.is_object() && !client.is_function() {
        return Err(SdkError::validation(
            "livekitClient",
            "must be the livekit-client module, or a function that loads it",
        ));
    }
    Ok(client)
}

/// Builds the create request (without `source`) from the config, defaults filled
/// in, and checks every rule of the spec.
fn read_request(cfg: &JsObject, is_v1beta: bool) -> Result<CreateStreamRequest<JsValue>, SdkError> {
    // v1beta asks nothing periodically without a prompt (`V1betaOptions::prompt`); the
    // stand-in only lets the other options be checked by the same rules, and is never sent.
    let prompt = match cfg.string("prompt")? {
        None if is_v1beta => "(ask() only)".to_string(),
        _ => cfg.required_string("prompt")?,
    };
    let model = cfg
        .string("model")?
        .unwrap_or_else(|| DEFAULT_MODEL.to_string());
    let backend = match cfg.one_of("backend", &["overshoot", "gemini"])?.as_deref() {
        Some("gemini") => Some(Backend::Gemini),
        Some(_) => Some(Backend::Overshoot),
        None => None,
    };
    let (mut processing, implied_mode, processing_key) = read_any_processing(cfg)?;
    let mode = match cfg.one_of("mode", &["clip", "frame"])?.as_deref() {
        Some("frame") => Mode::Frame,
        Some(_) => Mode::Clip,
        None => implied_mode.unwrap_or_else(|| processing.inferred_mode()),
    };
    match (implied_mode, mode) {
        (Some(Mode::Clip), Mode::Frame) => {
            return Err(SdkError::validation(
                "clipProcessing",
                "cannot be used with mode \"frame\"; use frameProcessing",
            ))
        }
        (Some(Mode::Frame), Mode::Clip) => {
            return Err(SdkError::validation(
                "frameProcessing",
                "cannot be used with mode \"clip\"; use clipProcessing",
            ))
        }
        _ => {}
    }
    match mode {
        Mode::Clip => {
            if processing.fps.is_none()
                && processing.sampling_ratio.is_none()
                && processing.target_fps.is_none()
            {
                processing.target_fps = Some(DEFAULT_TARGET_FPS);
            }
            processing
                .clip_length_seconds
                .get_or_insert(DEFAULT_CLIP_LENGTH_SECONDS);
            processing
                .delay_seconds
                .get_or_insert(DEFAULT_DELAY_SECONDS);
        }
        Mode::Frame => {
            processing
                .interval_seconds
                .get_or_insert(DEFAULT_INTERVAL_SECONDS);
        }
    }
    let output_schema_json = cfg.object("outputSchema")?;
    let max_output_tokens = cfg.positive_integer("maxOutputTokens")?;
    let client = cfg.string("requestId")?.map(|id| ClientInfo {
        request_id: Some(id),
    });
    let request = CreateStreamRequest {
        source: None,
        webrtc: None,
        mode: Some(mode),
        processing,
        inference: Inference {
            prompt,
            model,
            backend,
            output_schema_json,
            max_output_tokens,
        },
        client,
    };
    validate_request(&request)
        .map_err(|e| SdkError::validation(&config_path(&e.field, processing_key), &e.message))?;
    Ok(request)
}

/// The config option a wire field comes from, so one option has one name in every
/// message: `inference.max_output_tokens` → `maxOutputTokens`,
/// `processing.target_fps` → `clipProcessing.target_fps` when that object was used.
fn config_path(wire: &str, processing_key: &str) -> String {
    match wire {
        "inference.prompt" => "prompt".into(),
        "inference.model" => "model".into(),
        "inference.max_output_tokens" => "maxOutputTokens".into(),
        _ => match wire.strip_prefix("processing.") {
            Some(field) => format!("{processing_key}.{field}"),
            None => wire.into(),
        },
    }
}

const CLIP_KEYS: &[&str] = &[
    "target_fps",
    "fps",
    "sampling_ratio",
    "clip_length_seconds",
    "delay_seconds",
];
const FRAME_KEYS: &[&str] = &["interval_seconds"];
const ALL_KEYS: &[&str] = &[
    "target_fps",
    "fps",
    "sampling_ratio",
    "clip_length_seconds",
    "delay_seconds",
    "interval_seconds",
];

/// One of `processing` (any wire field, the TS SDK's shape), `clipProcessing` or
/// `frameProcessing` (which also imply the mode). Unknown keys are refused: a typo
/// such as `targetFps` must not silently fall back to a default.
fn read_any_processing(
    cfg: &JsObject,
) -> Result<(Processing, Option<Mode>, &'static str), SdkError> {
    // A plain loop over constant tables: `collect::<Result<..>>` and `Vec`s of keys
    // cost this one function about 1 KB of wasm.
    let mut given = None;
    for key in ["processing", "clipProcessing", "frameProcessing"] {
        if let Some(value) = cfg.object(key)? {
            if given.is_some() {
                return Err(SdkError::validation(key, "cannot be combined with another processing object; use one of processing, clipProcessing, frameProcessing"));
            }
            given = Some((key, value));
        }
    }
    let Some((key, value)) = given else {
        return Ok((Processing::default(), None, "processing"));
    };
    let (allowed, mode) = match key {
        "clipProcessing" => (CLIP_KEYS, Some(Mode::Clip)),
        "frameProcessing" => (FRAME_KEYS, Some(Mode::Frame)),
        _ => (ALL_KEYS, None),
    };
    let p = JsObject::new(&value, key)?;
    p.reject_unknown_keys(allowed)?;
    let processing = read_processing_fields(&p)?;
    Ok((processing, mode, key))
}

/// The wire fields of a processing object, strictly typed.
pub fn read_processing_fields(p: &JsObject) -> Result<Processing, SdkError> {
    Ok(Processing {
        target_fps: p.number("target_fps")?,
        fps: p.number("fps")?,
        sampling_ratio: p.number("sampling_ratio")?,
        clip_length_seconds: p.number("clip_length_seconds")?,
        delay_seconds: p.number("delay_seconds")?,
        interval_seconds: p.number("interval_seconds")?,
    })
}

/// `video`: caps on the sent picture. Omitted: ≤ 1280×720 and a frame rate matched
/// to the sampling; `false`: send the source as it is.
fn read_video_caps(cfg: &JsObject) -> Result<Option<VideoCaps>, SdkError> {
    use overshoot_protocol::send_limits::{DEFAULT_MAX_LONG_SIDE, DEFAULT_MAX_SHORT_SIDE};
    let defaults = VideoCaps {
        max_long_side: DEFAULT_MAX_LONG_SIDE,
        max_short_side: DEFAULT_MAX_SHORT_SIDE,
        max_bitrate_bps: None,
    };
    match cfg.get("video")? {
        None => Ok(Some(defaults)),
        Some(v) if v.as_bool() == Some(false) => Ok(None),
        Some(v) => {
            let o = JsObject::new(&v, "video")?;
            o.reject_unknown_keys(&["maxLongSide", "maxShortSide", "maxBitrateBps"])?;
            Ok(Some(VideoCaps {
                max_long_side: o
                    .positive_integer("maxLongSide")?
                    .unwrap_or(defaults.max_long_side),
                max_short_side: o
                    .positive_integer("maxShortSide")?
                    .unwrap_or(defaults.max_short_side),
                max_bitrate_bps: o.positive_integer("maxBitrateBps")?,
            }))
        }
    }
}

/// `iceServers`: `RTCIceServer[]`, each with string or string[] `urls`.
fn read_ice_servers(cfg: &JsObject) -> Result<Array, SdkError> {
    let Some(list) = cfg.array("iceServers")? else {
        return Ok(Array::new());
    };
    for (i, entry) in list.iter().enumerate() {
        let path = format!("iceServers[{i}]");
        let server = JsObject::new(&entry, &path)?;
        match server.get("urls")? {
            Some(u) if u.is_string() => {}
            Some(u) if Array::is_array(&u) && Array::from(&u).iter().all(|x| x.is_string()) => {}
            _ => {
                return Err(SdkError::validation(
                    &format!("{path}.urls"),
                    "must be a URL string or an array of them",
                ))
            }
        }
        server.string("username")?;
        server.string("credential")?;
    }
    Ok(list)
}
