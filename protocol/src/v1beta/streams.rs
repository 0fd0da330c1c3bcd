//! Wire types of v1beta's stream endpoints (spec: `overshoot-v1beta.md` §4–§8).
//! Unknown fields are ignored everywhere; fields the docs call optional or nullable are
//! `Option`, and a missing key reads as `None`.

use serde::{Deserialize, Serialize};

/// Default base URL of the hosted v1beta service.
pub const DEFAULT_V1BETA_URL: &str = "https://api.overshoot.ai/v1beta";
/// Lease length every v1beta stream currently gets (§13).
pub const LEASE_TTL_SECONDS: u32 = 300;
/// Seconds of frame history a stream retains, fixed (§13).
pub const RETENTION_SECONDS: u32 = 600;

/// `source.type` of a stream: how its video arrives. Unknown values read as `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// Published by the client through LiveKit.
    Livekit,
    /// Pulled by the server from an RTSP camera.
    Rtsp,
    /// Pulled by the server from an HLS playlist.
    Hls,
    /// A kind this crate does not know yet.
    #[serde(other)]
    Other,
}

/// `{type}` as found in `source` of create, keepalive and status answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// How video arrives.
    #[serde(rename = "type")]
    pub kind: SourceKind,
}

/// `source` of a create request for a server-pulled camera (§4). The URL may carry
/// credentials and is never echoed by the server; `Debug` hides it too.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CameraSource {
    /// `rtsp` or `hls` (validation refuses `livekit` here).
    #[serde(rename = "type")]
    pub kind: SourceKind,
    /// `rtsp://`/`rtsps://` or `http(s)://` playlist URL.
    pub url: String,
}

impl std::fmt::Debug for CameraSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CameraSource")
            .field("kind", &self.kind)
            .field("url", &"<hidden>")
            .finish()
    }
}

/// Body of `POST /streams`: empty (`{}`) for LiveKit publishing, or a camera source.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateStreamBody {
    /// A server-pulled source; `None` means the client publishes through LiveKit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<CameraSource>,
}

/// `state` of a stream. Unknown values read as `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StreamState {
    /// Accepts publishers and inference.
    Active,
    /// Terminal; never reverts.
    Ended,
    /// A state this crate does not know yet.
    #[serde(other)]
    Other,
}

/// LiveKit credentials: `publish` (create, keepalive) or `view` (viewer token).
/// `Debug` never prints the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveKitGrant {
    /// Always `livekit` today.
    #[serde(rename = "type")]
    pub kind: String,
    /// Room URL (`wss://…`).
    pub url: String,
    /// Short-lived JWT for the room; never an HTTP credential.
    pub token: String,
}

impl std::fmt::Debug for LiveKitGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveKitGrant")
            .field("kind", &self.kind)
            .field("url", &self.url)
            .field("token", &"<hidden>")
            .finish()
    }
}

/// `201` answer of `POST /streams`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatedStream {
    /// The stream id (prose says `stream_id`, the key is `id`).
    pub id: String,
    /// Always `active` on create.
    pub state: StreamState,
    /// How video arrives; often omitted for client-published streams (§16.22).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceInfo>,
    /// Publish credentials; `null` for rtsp/hls sources.
    #[serde(default)]
    pub publish: Option<LiveKitGrant>,
    /// Wall-clock Unix ms at which the lease lapses unless renewed.
    pub expires_at_ms: i64,
    /// Lease length in seconds.
    pub ttl_seconds: u32,
}

impl CreatedStream {
    /// The source kind, a missing `source` meaning `livekit` (§4).
    pub fn source_kind(&self) -> SourceKind {
        self.source.map_or(SourceKind::Livekit, |s| s.kind)
    }
}

/// `200` answer of `POST /streams/{id}/keepalive`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeepaliveAnswer {
    /// The stream id, echoed.
    pub id: String,
    /// The new lease expiry (wall-clock Unix ms).
    pub expires_at_ms: i64,
    /// Lease length in seconds.
    pub ttl_seconds: u32,
    /// Current stream-clock position in ms, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_time_ms: Option<f64>,
    /// A fresh publish token (`room.updateToken`); `null` for rtsp/hls sources.
    #[serde(default)]
    pub publish: Option<LiveKitGrant>,
}

/// `200` answer of `GET /streams/{id}`: only `id` and `state` are required (§6).
/// Serialised with every key present, `null` where there is no value (emulator choice).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StreamStatus {
    /// The stream id.
    pub id: String,
    /// `active` or `ended`.
    pub state: StreamState,
    /// How video arrives.
    #[serde(default)]
    pub source: Option<SourceInfo>,
    /// Server-pulled sources: wall-clock ms of the last pull.
    #[serde(default)]
    pub last_pull: Option<i64>,
    /// Stream clock in ms; `0` or `null` before the first frame (§16.9).
    #[serde(default)]
    pub stream_time_ms: Option<f64>,
    /// Wall-clock ms of the first frame ever ingested.
    #[serde(default)]
    pub first_frame_at_ms: Option<i64>,
    /// Wall-clock ms of the newest frame; non-null once ingest has begun.
    #[serde(default)]
    pub last_frame_at_ms: Option<i64>,
    /// Lifetime index of the newest frame.
    #[serde(default)]
    pub last_frame_index: Option<i64>,
    /// Wall-clock ms of the oldest retained frame.
    #[serde(default)]
    pub first_available_frame_at_ms: Option<i64>,
    /// Lifetime index of the oldest retained frame.
    #[serde(default)]
    pub first_available_frame_index: Option<i64>,
    /// Wall-clock ms of creation.
    #[serde(default)]
    pub created_at_ms: Option<i64>,
    /// Rolling ingest rate over the last few seconds.
    #[serde(default)]
    pub recent_fps: Option<f64>,
    /// Frames currently retained.
    #[serde(default)]
    pub retained_frame_count: Option<i64>,
    /// Frames aged out since the stream began.
    #[serde(default)]
    pub evicted_frame_count: Option<i64>,
    /// Lease expiry; `null` once ended.
    #[serde(default)]
    pub expires_at_ms: Option<i64>,
    /// Lease length in seconds.
    #[serde(default)]
    pub ttl_seconds: Option<u32>,
    /// Wall-clock ms of the end.
    #[serde(default)]
    pub ended_at_ms: Option<i64>,
    /// `expired`, `deleted`, maybe `reaped` (§16.2) or anything else; see [`EndReason`].
    #[serde(default)]
    pub end_reason: Option<String>,
    /// Reserved; always `false`.
    #[serde(default)]
    pub audio: bool,
}

impl StreamStatus {
    /// Whether at least one frame has been ingested (the docs' "wait for ingest" check).
    pub fn has_frames(&self) -> bool {
        self.last_frame_at_ms.is_some()
    }

    /// The parsed end reason, if the stream ended with one.
    pub fn end_reason(&self) -> Option<EndReason> {
        self.end_reason.as_deref().map(EndReason::parse)
    }
}

/// Why a stream ended. Unknown strings are kept (§6: "Accept unknown strings").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndReason {
    /// The lease lapsed (or another system-driven end).
    Expired,
    /// An explicit `DELETE`.
    Deleted,
    /// Older docs' name for a system end (§16.2).
    Reaped,
    /// Anything else the server says.
    Other(String),
}

impl EndReason {
    /// Reads a wire value.
    pub fn parse(s: &str) -> EndReason {
        match s {
            "expired" => EndReason::Expired,
            "deleted" => EndReason::Deleted,
            "reaped" => EndReason::Reaped,
            other => EndReason::Other(other.to_string()),
        }
    }
}

/// `200` answer of `DELETE /streams/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deleted {
    /// The stream id.
    pub id: String,
    /// Always `true`.
    pub deleted: bool,
}

/// `view` of a viewer-token answer: subscribe-only LiveKit credentials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewGrant {
    /// Room type, URL and subscribe-only token.
    #[serde(flatten)]
    pub grant: LiveKitGrant,
    /// Token lifetime, currently 300.
    pub expires_in_seconds: u32,
}

/// `200` answer of `POST /streams/{id}/viewer-token`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewerToken {
    /// The stream id.
    pub id: String,
    /// The viewer credentials.
    pub view: ViewGrant,
}

/// One entry of v1beta's `GET /models`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Model {
    /// Model id, used verbatim in chat requests.
    pub id: String,
    /// Always `model`.
    #[serde(default = "model_object")]
    pub object: String,
    /// Unix seconds.
    #[serde(default)]
    pub created: i64,
    /// Owner, e.g. `overshoot`.
    #[serde(default)]
    pub owned_by: String,
    /// `ready`, `unavailable`, older `loading` (§16.3), or anything else.
    pub status: String,
}

fn model_object() -> String {
    "model".into()
}

impl Model {
    /// Only `ready` is usable; every other status, known or not, is not (§11).
    pub fn is_ready(&self) -> bool {
        self.status == "ready"
    }
}

/// `200` answer of `GET /models`: `{object: "list", data}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelList {
    /// Always `list`.
    pub object: String,
    /// The models.
    pub data: Vec<Model>,
}
