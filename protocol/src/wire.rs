//! Wire types of the streams API (v1). Field names are the wire names; optional
//! fields are omitted when absent, never sent as `null`.
//!
//! Request types are generic over the JSON-schema payload `S` so that the browser
//! package can pass a JS object straight through (no JSON re-encoding in wasm) while
//! the emulator uses `serde_json::Value`.

use serde::{Deserialize, Serialize};

/// Default base URL of the hosted service.
pub const DEFAULT_API_URL: &str = "https://api.overshoot.ai/v1";
/// Default model when the app names none (the one the spec's example uses).
pub const DEFAULT_MODEL: &str = "Qwen/Qwen3.5-9B";
/// Clip-mode default sampling rate (frames per second the server keeps).
pub const DEFAULT_TARGET_FPS: f64 = 6.0;
/// Clip-mode default clip length in seconds.
pub const DEFAULT_CLIP_LENGTH_SECONDS: f64 = 0.5;
/// Clip-mode default delay between results in seconds.
pub const DEFAULT_DELAY_SECONDS: f64 = 0.5;
/// Frame-mode default interval in seconds (the TS SDK's default; Python uses 0.5).
pub const DEFAULT_INTERVAL_SECONDS: f64 = 0.2;

/// `mode`: how the server samples the video.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Short clips of `clip_length_seconds`, one result every `delay_seconds`.
    Clip,
    /// Single frames, one every `interval_seconds`.
    Frame,
}

/// `inference.backend`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Overshoot's own serving (the default).
    Overshoot,
    /// Google Gemini.
    Gemini,
}

/// `source`: which transport carries the video.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Source {
    /// The browser's SDP offer; the answer comes back in the response's `webrtc`.
    Webrtc {
        /// Offer SDP.
        sdp: String,
    },
    /// The app publishes into its own LiveKit room.
    Livekit {
        /// Room URL.
        url: String,
        /// Participant token.
        token: String,
    },
}

/// An SDP description as `{type, sdp}` (the legacy `webrtc` offer and the answer).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionDescription {
    /// `offer` or `answer`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The SDP text.
    pub sdp: String,
}

/// `processing`: all fields optional; which ones apply depends on the mode.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Processing {
    /// Clip mode: frames per second kept by the server (1–30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_fps: Option<f64>,
    /// Clip mode, deprecated: source frame rate (1–120), with `sampling_ratio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fps: Option<f64>,
    /// Clip mode, deprecated: fraction of `fps` kept (0–1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling_ratio: Option<f64>,
    /// Clip mode: clip length (0.1–60 s, default 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip_length_seconds: Option<f64>,
    /// Clip mode: time between results (0–60 s, default 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_seconds: Option<f64>,
    /// Frame mode: time between frames (0.1–60 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_seconds: Option<f64>,
}

impl Processing {
    /// The mode these fields imply when `mode` is omitted: `interval_seconds` means frame.
    pub fn inferred_mode(&self) -> Mode {
        if self.interval_seconds.is_some() {
            Mode::Frame
        } else {
            Mode::Clip
        }
    }

    /// Seconds between results: `delay_seconds` (clip) or `interval_seconds` (frame),
    /// defaults applied.
    pub fn result_interval_seconds(&self, mode: Mode) -> f64 {
        match mode {
            Mode::Clip => self.delay_seconds.unwrap_or(DEFAULT_DELAY_SECONDS),
            Mode::Frame => self.interval_seconds.unwrap_or(DEFAULT_INTERVAL_SECONDS),
        }
    }

    /// Frames per second the server samples: `target_fps`, or `fps × sampling_ratio`
    /// for the legacy pair, or one per interval in frame mode.
    pub fn sampled_fps(&self, mode: Mode) -> f64 {
        match mode {
            Mode::Frame => 1.0 / self.result_interval_seconds(mode),
            Mode::Clip => match (self.target_fps, self.fps) {
                (Some(t), _) => t,
                (None, Some(f)) => f * self.sampling_ratio.unwrap_or(1.0),
                (None, None) => DEFAULT_TARGET_FPS,
            },
        }
    }
}

/// `inference`: what to ask of which model. `S` is the JSON-schema payload type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "S: Deserialize<'de>"))]
pub struct Inference<S> {
    /// The instruction sent with every clip or frame.
    pub prompt: String,
    /// Model name, e.g. `Qwen/Qwen3.5-9B`.
    pub model: String,
    /// Serving backend (server default: `overshoot`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<Backend>,
    /// A JSON Schema; when present each `result` is JSON text matching it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema_json: Option<S>,
    /// Cap on output tokens per result (server default: `floor(128 × interval)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u32>,
}

/// `client`: tracking information.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientInfo {
    /// An id of the app's choosing, echoed in logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// Body of `POST /streams`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "S: Deserialize<'de>"))]
pub struct CreateStreamRequest<S> {
    /// The transport; omitted means native (server-created LiveKit room).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Deprecated top-level offer form `{type:"offer", sdp}`; same meaning as a webrtc source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webrtc: Option<SessionDescription>,
    /// `clip` or `frame`; omitted, the server infers it from `processing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// Sampling settings.
    #[serde(default)]
    pub processing: Processing,
    /// Prompt, model and output settings.
    pub inference: Inference<S>,
    /// Tracking information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientInfo>,
}

impl<S> CreateStreamRequest<S> {
    /// The effective mode: explicit, or inferred from `processing`.
    pub fn effective_mode(&self) -> Mode {
        self.mode.unwrap_or_else(|| self.processing.inferred_mode())
    }

    /// The offer SDP from either the `source` form or the legacy `webrtc` form.
    pub fn offer_sdp(&self) -> Option<&str> {
        match (&self.source, &self.webrtc) {
            (Some(Source::Webrtc { sdp }), _) => Some(sdp),
            (None, Some(desc)) => Some(&desc.sdp),
            _ => None,
        }
    }
}

/// `urls` of an ICE server: one URL or several.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IceUrls {
    /// A single URL.
    One(String),
    /// Several URLs.
    Many(Vec<String>),
}

impl IceUrls {
    /// The URLs as a list.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            IceUrls::One(u) => vec![u.clone()],
            IceUrls::Many(v) => v.clone(),
        }
    }
}

/// One ICE (STUN/TURN) server entry, as in `RTCIceServer`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IceServer {
    /// `stun:`, `turn:` or `turns:` URLs.
    pub urls: IceUrls,
    /// TURN username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// TURN credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// `lease` of a create response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lease {
    /// Seconds until the stream expires unless renewed.
    pub ttl_seconds: f64,
}

/// `livekit` of a create response (native transport).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveKitInfo {
    /// Room URL.
    pub url: String,
    /// Participant token.
    pub token: String,
}

/// Answer to `POST /streams`. Unknown fields are ignored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateStreamResponse {
    /// Id used in every later call.
    pub stream_id: String,
    /// The SDP answer (WebRTC sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webrtc: Option<SessionDescription>,
    /// The lease to renew.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<Lease>,
    /// ICE servers for the WebRTC transport.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_servers: Option<Vec<IceServer>>,
    /// Room to publish into (native transport).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub livekit: Option<LiveKitInfo>,
}

/// Answer to `POST /streams/{id}/keepalive`. Unknown fields are ignored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeepaliveResponse {
    /// `ok`.
    pub status: String,
    /// The renewed stream.
    pub stream_id: String,
    /// The new lease length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<f64>,
    /// A fresh LiveKit token (native transport).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub livekit_token: Option<String>,
}

/// Body of `PATCH /streams/{id}/config/prompt`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PromptUpdate {
    /// The new prompt.
    pub prompt: String,
}

/// One inference result, as sent on the results WebSocket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StreamResult {
    /// Result id.
    pub id: String,
    /// The stream it belongs to.
    pub stream_id: String,
    /// `clip` or `frame`.
    pub mode: Mode,
    /// Backend that served it.
    pub model_backend: Backend,
    /// Model that produced it.
    pub model_name: String,
    /// The prompt in force for this clip.
    pub prompt: String,
    /// Output text (JSON text when an output schema is set).
    pub result: String,
    /// Model time in milliseconds.
    pub inference_latency_ms: f64,
    /// Capture-to-result time in milliseconds.
    pub total_latency_ms: f64,
    /// False when this result failed; the stream goes on.
    pub ok: bool,
    /// Why it failed.
    pub error: Option<String>,
    /// `stop`, `length`, `content_filter` or null.
    pub finish_reason: Option<String>,
}

/// Error body: `{error, message, request_id, details}` or `{detail}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "D: Deserialize<'de>"))]
pub struct ErrorBody<D> {
    /// Machine-readable code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Human-readable text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Server request id for support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Extra information (validation: which field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<D>,
    /// The alternative body some deployments send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<D>,
}

/// One entry of `GET /models`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Model name.
    pub model: String,
    /// Whether it takes new streams.
    pub ready: bool,
    /// `ready`, `degraded`, `saturated` or `unavailable`.
    pub status: String,
}
