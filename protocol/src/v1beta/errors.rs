//! v1beta's error bodies (§10.6, §2, §16.16, §17 point 9) and their classification into
//! the package's [`ErrorKind`]s. Every documented code has one row here.

use crate::errors::ErrorKind;
use crate::validate::FieldError;
use serde::{Deserialize, Serialize};

/// The documented chat error codes. `upstream_http_<status>` keeps its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChatErrorCode {
    /// `ovs://` URL not of the form `ovs://streams/<id>?…`.
    StreamUrlInvalid,
    /// A media query parameter is missing, duplicated, unknown or malformed.
    QueryParamInvalid,
    /// The stream is missing, deleted or expired.
    StreamNotFound,
    /// The stream belongs to another user.
    StreamUnauthorized,
    /// No retained frames matched.
    SegmentEmpty,
    /// The resolved end is at or before the start.
    SegmentInvalid,
    /// The exact lifetime index has been evicted.
    FrameEvicted,
    /// The index has not arrived yet.
    FrameNotYetProduced,
    /// The model is not available now.
    ModelUnavailable,
    /// A video segment was sent to an image-only model.
    ModelVideoUnsupported,
    /// The provider blocked the content.
    ProviderSafetyBlock,
    /// Billing refused the request (out of balance).
    BillingDenied,
    /// The provider answered this non-200 status.
    UpstreamHttp(u16),
    /// The provider timed out.
    UpstreamTimeout,
    /// The provider request failed before any response.
    UpstreamRequestFailed,
}

/// Codes without a payload, for lookups by wire name.
const FIXED_CODES: [ChatErrorCode; 14] = [
    ChatErrorCode::StreamUrlInvalid,
    ChatErrorCode::QueryParamInvalid,
    ChatErrorCode::StreamNotFound,
    ChatErrorCode::StreamUnauthorized,
    ChatErrorCode::SegmentEmpty,
    ChatErrorCode::SegmentInvalid,
    ChatErrorCode::FrameEvicted,
    ChatErrorCode::FrameNotYetProduced,
    ChatErrorCode::ModelUnavailable,
    ChatErrorCode::ModelVideoUnsupported,
    ChatErrorCode::ProviderSafetyBlock,
    ChatErrorCode::BillingDenied,
    ChatErrorCode::UpstreamTimeout,
    ChatErrorCode::UpstreamRequestFailed,
];

impl ChatErrorCode {
    /// The wire code (`upstream_http_<status>` allocates, so this returns a `String`).
    pub fn as_string(self) -> String {
        match self {
            ChatErrorCode::UpstreamHttp(status) => format!("upstream_http_{status}"),
            other => other.as_str().to_string(),
        }
    }

    /// The wire code of a payload-free code; `upstream_http` for [`Self::UpstreamHttp`].
    pub fn as_str(self) -> &'static str {
        match self {
            ChatErrorCode::StreamUrlInvalid => "stream_url_invalid",
            ChatErrorCode::QueryParamInvalid => "query_param_invalid",
            ChatErrorCode::StreamNotFound => "stream_not_found",
            ChatErrorCode::StreamUnauthorized => "stream_unauthorized",
            ChatErrorCode::SegmentEmpty => "segment_empty",
            ChatErrorCode::SegmentInvalid => "segment_invalid",
            ChatErrorCode::FrameEvicted => "frame_evicted",
            ChatErrorCode::FrameNotYetProduced => "frame_not_yet_produced",
            ChatErrorCode::ModelUnavailable => "model_unavailable",
            ChatErrorCode::ModelVideoUnsupported => "model_video_unsupported",
            ChatErrorCode::ProviderSafetyBlock => "provider_safety_block",
            ChatErrorCode::BillingDenied => "billing_denied",
            ChatErrorCode::UpstreamHttp(_) => "upstream_http",
            ChatErrorCode::UpstreamTimeout => "upstream_timeout",
            ChatErrorCode::UpstreamRequestFailed => "upstream_request_failed",
        }
    }

    /// Reads a wire code; `None` for codes the docs do not list.
    pub fn parse(code: &str) -> Option<ChatErrorCode> {
        if let Some(status) = code.strip_prefix("upstream_http_") {
            return status.parse().ok().map(ChatErrorCode::UpstreamHttp);
        }
        FIXED_CODES.into_iter().find(|c| c.as_str() == code)
    }

    /// The HTTP status per `errors.mdx` and the newest OpenAPI (the emulator's default).
    /// `model_unavailable` is `503` (emulator choice); a provider `429` stays `429`.
    pub fn status(self) -> u16 {
        match self {
            ChatErrorCode::StreamUrlInvalid
            | ChatErrorCode::QueryParamInvalid
            | ChatErrorCode::SegmentInvalid
            | ChatErrorCode::ModelVideoUnsupported
            | ChatErrorCode::ProviderSafetyBlock => 400,
            ChatErrorCode::BillingDenied => 402,
            ChatErrorCode::StreamUnauthorized => 403,
            ChatErrorCode::StreamNotFound | ChatErrorCode::SegmentEmpty => 404,
            ChatErrorCode::FrameNotYetProduced => 409,
            ChatErrorCode::FrameEvicted => 410,
            ChatErrorCode::UpstreamHttp(429) => 429,
            ChatErrorCode::UpstreamHttp(_) | ChatErrorCode::UpstreamRequestFailed => 502,
            ChatErrorCode::ModelUnavailable => 503,
            ChatErrorCode::UpstreamTimeout => 504,
        }
    }

    /// The status `chat-completions.mdx` gives instead, where it disagrees (§16.6, §16.7).
    pub fn alternative_status(self) -> Option<u16> {
        match self {
            ChatErrorCode::QueryParamInvalid | ChatErrorCode::FrameNotYetProduced => Some(422),
            _ => None,
        }
    }

    /// The envelope's `type` (emulator choice beyond the two documented pairs).
    pub fn error_type(self) -> &'static str {
        match self {
            ChatErrorCode::BillingDenied => "billing_error",
            ChatErrorCode::UpstreamHttp(429) => "rate_limit_error",
            ChatErrorCode::UpstreamHttp(_)
            | ChatErrorCode::UpstreamTimeout
            | ChatErrorCode::UpstreamRequestFailed => "upstream_error",
            ChatErrorCode::ProviderSafetyBlock
            | ChatErrorCode::ModelUnavailable
            | ChatErrorCode::ModelVideoUnsupported => "provider_error",
            _ => "stream_error",
        }
    }

    /// The package's error kind for this code.
    ///
    /// Media-reference failures (bad URL or query, empty or invalid segment, evicted or
    /// future frame, video to an image-only model) are `Validation`: the request named
    /// something that cannot be served. `stream_not_found` is `NotFound`,
    /// `stream_unauthorized` `Unauthorized` (a 403), `billing_denied`
    /// `InsufficientCredits`, a provider 429 `RateLimit`, the other provider and model
    /// failures `Server`, a safety block `Api`.
    pub fn kind(self) -> ErrorKind {
        match self {
            ChatErrorCode::StreamNotFound => ErrorKind::NotFound,
            ChatErrorCode::StreamUnauthorized => ErrorKind::Unauthorized,
            ChatErrorCode::BillingDenied => ErrorKind::InsufficientCredits,
            ChatErrorCode::UpstreamHttp(429) => ErrorKind::RateLimit,
            ChatErrorCode::UpstreamHttp(_)
            | ChatErrorCode::UpstreamTimeout
            | ChatErrorCode::UpstreamRequestFailed
            | ChatErrorCode::ModelUnavailable => ErrorKind::Server,
            ChatErrorCode::ProviderSafetyBlock => ErrorKind::Api,
            _ => ErrorKind::Validation,
        }
    }
}

/// `detail.error.upstream` on `upstream_*` codes; the bounded provider body is ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upstream {
    /// E.g. `google`.
    #[serde(default)]
    pub provider: Option<String>,
    /// The provider's HTTP status.
    #[serde(default)]
    pub status: Option<u16>,
}

/// `detail.error` of the chat envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatError {
    /// Human-readable text.
    #[serde(default)]
    pub message: String,
    /// `stream_error`, `validation_error`, `provider_error`, … (see [`ChatErrorCode::error_type`]).
    #[serde(default, rename = "type")]
    pub kind: String,
    /// The machine code, e.g. `stream_not_found`.
    pub code: String,
    /// Provider details on `upstream_*` codes.
    #[serde(default)]
    pub upstream: Option<Upstream>,
}

/// `detail` of a `409` wrong-region answer: `{error: "region_error", …}` (§2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionError {
    /// Always `region_error`.
    pub error: String,
    /// The region that owns the resource.
    #[serde(default)]
    pub expected_region: Option<String>,
    /// The region the request named; `null` when no header was sent.
    #[serde(default)]
    pub requested_region: Option<String>,
}

/// `{"error": {…}}`, the chat envelope's `detail`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatErrorDetail {
    /// The error.
    pub error: ChatError,
}

/// The documented shapes of `detail`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Detail {
    /// `{"detail": "<string>"}` (stream endpoints, 401, 503).
    Text(String),
    /// `{"detail": {"error": {message, type, code, upstream?}}}` (chat).
    Chat(ChatErrorDetail),
    /// `{"detail": {"error": "region_error", expected_region, requested_region}}`.
    Region(RegionError),
    /// `{"detail": [{loc, msg, type}]}`: FastAPI's default validation body, which the
    /// docs never show but a FastAPI server sends for a body it cannot parse.
    Issues(Vec<ValidationIssue>),
}

/// One `details[]` entry of a `422` validation body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationIssue {
    /// Path to the field, e.g. `["body", "model"]` (indices as text).
    #[serde(default, deserialize_with = "super::loc::deserialize")]
    pub loc: Vec<String>,
    /// What is wrong.
    #[serde(default)]
    pub msg: String,
    /// Issue type.
    #[serde(default, rename = "type")]
    pub kind: String,
}

/// Any v1beta error body: every shape of §17 point 9 reads into this one struct.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// `detail`, string or object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Detail>,
    /// The top-level string code (`validation_error`, or the old API's codes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Text beside a top-level `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Validation issues beside a top-level `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<ValidationIssue>>,
}

impl ErrorEnvelope {
    /// The machine code, wherever the shape put it (`region_error` included).
    pub fn code(&self) -> Option<&str> {
        match &self.detail {
            Some(Detail::Chat(c)) => Some(&c.error.code),
            Some(Detail::Region(r)) => Some(&r.error),
            _ => self.error.as_deref(),
        }
    }

    /// The human-readable text, wherever the shape put it.
    pub fn message(&self) -> Option<&str> {
        match &self.detail {
            Some(Detail::Text(t)) => Some(t),
            Some(Detail::Chat(c)) => Some(&c.error.message),
            Some(Detail::Issues(issues)) if !issues.is_empty() => Some(&issues[0].msg),
            _ => self.message.as_deref(),
        }
    }

    /// The owning region of a wrong-region answer, in either §16.16 shape.
    pub fn expected_region(&self) -> Option<&str> {
        match &self.detail {
            Some(Detail::Region(r)) => r.expected_region.as_deref(),
            _ => None,
        }
    }

    /// Whether this is a wrong-region answer (`region_error` as code or `detail.error`).
    pub fn is_region_error(&self) -> bool {
        self.code() == Some("region_error")
    }

    /// The `422` validation body naming `field` (§10.6 shape 2): `{error:
    /// "validation_error", message, details: [{loc: ["body", …path], msg, type}]}`.
    /// The dotted path `messages[0].content` becomes `["body", "messages", "0", "content"]`.
    pub fn validation(field: &FieldError) -> ErrorEnvelope {
        let loc = body_loc(&field.field);
        ErrorEnvelope {
            error: Some("validation_error".into()),
            message: Some(format!("Request validation failed: {field}")),
            details: Some(vec![ValidationIssue {
                loc,
                msg: field.message.clone(),
                kind: "value_error".into(),
            }]),
            ..ErrorEnvelope::default()
        }
    }

    /// The chat envelope for `code` with `message` (what servers send).
    pub fn chat(code: ChatErrorCode, message: impl Into<String>) -> ErrorEnvelope {
        ErrorEnvelope {
            detail: Some(Detail::Chat(ChatErrorDetail {
                error: ChatError {
                    message: message.into(),
                    kind: code.error_type().to_string(),
                    code: code.as_string(),
                    upstream: None,
                },
            })),
            ..ErrorEnvelope::default()
        }
    }
}

/// The `loc` of a body field in a validation body: the dotted path
/// `messages[0].content` becomes `["body", "messages", "0", "content"]`.
pub fn body_loc(field: &str) -> Vec<String> {
    std::iter::once("body".to_string())
        .chain(
            field
                .split(['.', '[', ']'])
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        )
        .collect()
}

/// The package's kind for a failed v1beta answer: the documented code wins, then the
/// status. An unknown code falls back to the status.
pub fn classify(status: u16, body: Option<&ErrorEnvelope>) -> ErrorKind {
    body.and_then(|b| b.code())
        .and_then(ChatErrorCode::parse)
        .map_or_else(|| ErrorKind::from_status(status), ChatErrorCode::kind)
}
