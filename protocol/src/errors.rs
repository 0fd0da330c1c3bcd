//! Classification of HTTP failures and WebSocket closes into the error names the
//! package throws (`error.name` in JS).

/// Every kind of failure the package reports. `name()` is the JS `Error.name`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad config or request (client-side check, or HTTP 400/422).
    Validation,
    /// Bad or revoked API key (HTTP 401, WebSocket close 1008).
    Unauthorized,
    /// Out of credits (HTTP 402); terminal for the stream.
    InsufficientCredits,
    /// Unknown or expired stream (HTTP 404).
    NotFound,
    /// Too many concurrent streams or requests (HTTP 429).
    RateLimit,
    /// Server trouble (HTTP 5xx).
    Server,
    /// The request never got an HTTP answer (offline, DNS, CORS, timeout).
    Network,
    /// Any other HTTP failure (e.g. 409 wrong region) or malformed answer.
    Api,
    /// Camera/screen access failed (permission, no device, device busy).
    Media,
    /// WebRTC negotiation or connection failed.
    WebRtc,
    /// The server ended the stream (WebSocket close 1001 with a reason).
    StreamEnded,
    /// `stop()` was called while `start()` was still running.
    Aborted,
    /// A video file, URL or HLS stream failed to load or timed out.
    SourceLoad,
    /// The source ended: the user stopped screen sharing, a video without `loop`
    /// reached its end, or a camera or app track ended.
    SourceEnded,
    /// The browser cannot play this source (e.g. HLS without native HLS or hls.js).
    SourceUnsupported,
}

/// Every kind, for lookups by name.
const ALL_KINDS: [ErrorKind; 15] = [
    ErrorKind::Validation,
    ErrorKind::Unauthorized,
    ErrorKind::InsufficientCredits,
    ErrorKind::NotFound,
    ErrorKind::RateLimit,
    ErrorKind::Server,
    ErrorKind::Network,
    ErrorKind::Api,
    ErrorKind::Media,
    ErrorKind::WebRtc,
    ErrorKind::StreamEnded,
    ErrorKind::Aborted,
    ErrorKind::SourceLoad,
    ErrorKind::SourceEnded,
    ErrorKind::SourceUnsupported,
];

impl ErrorKind {
    /// The JS `Error.name` apps check.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Validation => "ValidationError",
            ErrorKind::Unauthorized => "UnauthorizedError",
            ErrorKind::InsufficientCredits => "InsufficientCreditsError",
            ErrorKind::NotFound => "NotFoundError",
            ErrorKind::RateLimit => "RateLimitError",
            ErrorKind::Server => "ServerError",
            ErrorKind::Network => "NetworkError",
            ErrorKind::Api => "ApiError",
            ErrorKind::Media => "MediaError",
            ErrorKind::WebRtc => "WebRTCError",
            ErrorKind::StreamEnded => "StreamEndedError",
            ErrorKind::Aborted => "AbortError",
            ErrorKind::SourceLoad => "SourceLoadError",
            ErrorKind::SourceEnded => "SourceEndedError",
            ErrorKind::SourceUnsupported => "SourceUnsupportedError",
        }
    }

    /// The kind whose `name()` is `name`, if any.
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ALL_KINDS.into_iter().find(|k| k.name() == name)
    }

    /// The kind of a non-2xx HTTP status.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            400 | 422 => ErrorKind::Validation,
            401 | 403 => ErrorKind::Unauthorized,
            402 => ErrorKind::InsufficientCredits,
            404 => ErrorKind::NotFound,
            429 => ErrorKind::RateLimit,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Api,
        }
    }

    /// Whether retrying the same call later may succeed (network trouble, 5xx, 429).
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorKind::Network | ErrorKind::Server | ErrorKind::RateLimit
        )
    }
}

/// What a results-socket close means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CloseKind {
    /// 1008: authentication failed; final.
    AuthFailed,
    /// 1001 with a `stream ended: <reason>` reason: the server ended the stream;
    /// final. The reason without the prefix, e.g. `lease_expired`.
    StreamEnded(String),
    /// Anything else: a dropped connection that may be reopened.
    Dropped,
}

/// Classifies a WebSocket close by code and reason (spec: "Close codes"). Only a
/// `1001` whose reason starts `stream ended:` is the server ending the stream: a proxy
/// or load balancer going away also closes with `1001` (reason `Going Away` or none),
/// and that connection is worth reopening (the server answers for real if the stream
/// is gone).
pub fn classify_close(code: u16, reason: &str) -> CloseKind {
    match (code, reason.trim().strip_prefix("stream ended:")) {
        (1008, _) => CloseKind::AuthFailed,
        (1001, Some(why)) => CloseKind::StreamEnded(why.trim().to_string()),
        _ => CloseKind::Dropped,
    }
}

/// The error kind for a server-ended stream's reason (`insufficient_credits` is 402's kind).
pub fn kind_for_end_reason(reason: &str) -> ErrorKind {
    if reason == "insufficient_credits" {
        ErrorKind::InsufficientCredits
    } else {
        ErrorKind::StreamEnded
    }
}
