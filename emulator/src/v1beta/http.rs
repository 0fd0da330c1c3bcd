//! The HTTP edge of the v1beta routes: the key, the region header, and every error
//! body in its documented shape (§10.6, §2), built from the protocol crate's wire
//! types so the emulator and the clients read one definition.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use overshoot_protocol::v1beta::errors::{
    body_loc, ChatError, ChatErrorCode, ChatErrorDetail, Detail, ErrorEnvelope, RegionError,
    ValidationIssue,
};
use overshoot_protocol::v1beta::retry::{REGIONS, REGION_HEADER};

use crate::state::AppState;

/// A v1beta error answer.
#[derive(Clone, Debug, PartialEq)]
pub enum V1Error {
    /// `{"detail": "<text>"}` (stream endpoints, 401, 503).
    Plain(StatusCode, String),
    /// `409 {"detail": {"error": "region_error", expected_region, requested_region}}`.
    Region {
        /// The region that owns the stream.
        expected: String,
        /// The header's value, `None` when none was sent.
        requested: Option<String>,
    },
    /// The chat envelope `{"detail": {"error": {message, type, code}}}`.
    Chat {
        /// HTTP status.
        status: StatusCode,
        /// `code`.
        code: String,
        /// `type`.
        kind: &'static str,
        /// `message`.
        message: String,
    },
    /// `422 {"error": "validation_error", "message", "details": [{loc, msg, type}]}`.
    Validation {
        /// Path to the field, `body` or `header` first.
        loc: Vec<String>,
        /// What is wrong.
        msg: String,
    },
    /// `429` with `retry-after: 1` and the rate-limit headers (chat envelope).
    RateLimited {
        /// The `x-ratelimit-*` headers.
        headers: RateHeaders,
    },
}

/// The `x-ratelimit-*` values of a chat answer (§13).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateHeaders {
    /// Requests allowed per one-second window.
    pub limit: u32,
    /// Left in this window.
    pub remaining: u32,
    /// Epoch seconds at which the window resets.
    pub reset: i64,
}

impl RateHeaders {
    /// Adds the three headers to `headers`.
    pub fn write(&self, headers: &mut HeaderMap) {
        let pairs = [
            ("x-ratelimit-limit", self.limit.to_string()),
            ("x-ratelimit-remaining", self.remaining.to_string()),
            ("x-ratelimit-reset", self.reset.to_string()),
        ];
        for (name, value) in pairs {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), v);
            }
        }
    }
}

impl V1Error {
    /// A documented chat code with its documented status (or `422` where
    /// `chat-completions.mdx` says so and `alternative` is on, §16.6/§16.7).
    pub fn chat(code: ChatErrorCode, message: impl Into<String>, alternative: bool) -> V1Error {
        let status = match code.alternative_status() {
            Some(alt) if alternative => alt,
            _ => code.status(),
        };
        V1Error::Chat {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            code: code.as_string(),
            kind: code.error_type(),
            message: message.into(),
        }
    }

    /// `404 {"detail": "Stream not found"}` of the stream endpoints.
    pub fn stream_not_found() -> V1Error {
        V1Error::Plain(StatusCode::NOT_FOUND, "Stream not found".into())
    }

    /// A `422` naming `field` of the body (`a.b[2].c` becomes `["body","a","b","2","c"]`).
    pub fn body_field(field: &str, msg: impl Into<String>) -> V1Error {
        V1Error::Validation {
            loc: body_loc(field),
            msg: msg.into(),
        }
    }

    fn envelope(&self) -> (StatusCode, ErrorEnvelope) {
        let chat = |code: &str, kind: &str, message: &str| ErrorEnvelope {
            detail: Some(Detail::Chat(ChatErrorDetail {
                error: ChatError {
                    message: message.to_string(),
                    kind: kind.to_string(),
                    code: code.to_string(),
                    upstream: None,
                },
            })),
            ..ErrorEnvelope::default()
        };
        match self {
            V1Error::Plain(status, text) => (
                *status,
                ErrorEnvelope {
                    detail: Some(Detail::Text(text.clone())),
                    ..ErrorEnvelope::default()
                },
            ),
            V1Error::Region {
                expected,
                requested,
            } => (
                StatusCode::CONFLICT,
                ErrorEnvelope {
                    detail: Some(Detail::Region(RegionError {
                        error: "region_error".into(),
                        expected_region: Some(expected.clone()),
                        requested_region: requested.clone(),
                    })),
                    ..ErrorEnvelope::default()
                },
            ),
            V1Error::Chat {
                status,
                code,
                kind,
                message,
            } => (*status, chat(code, kind, message)),
            V1Error::Validation { loc, msg } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorEnvelope {
                    error: Some("validation_error".into()),
                    message: Some("Request validation failed".into()),
                    details: Some(vec![ValidationIssue {
                        loc: loc.clone(),
                        msg: msg.clone(),
                        kind: "value_error".into(),
                    }]),
                    ..ErrorEnvelope::default()
                },
            ),
            V1Error::RateLimited { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                chat(
                    "rate_limit_exceeded",
                    "rate_limit_error",
                    "Too many requests: the per-key inference rate limit was reached",
                ),
            ),
        }
    }
}

impl IntoResponse for V1Error {
    fn into_response(self) -> Response {
        let (status, body) = self.envelope();
        let mut response = (status, Json(body)).into_response();
        if let V1Error::RateLimited { headers } = &self {
            headers.write(response.headers_mut());
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from_static("1"));
        }
        response
    }
}

/// The caller's API key, if the emulator knows it (`401` otherwise; never quoted).
pub fn authorize(state: &AppState, headers: &HeaderMap) -> Result<String, V1Error> {
    state.known_key(headers).ok_or_else(|| {
        V1Error::Plain(
            StatusCode::UNAUTHORIZED,
            "Invalid or missing API key".into(),
        )
    })
}

/// Who calls and how: the key, the region the request names, the settings in force.
pub struct Caller {
    /// The API key.
    pub key: String,
    /// `X-Overshoot-Region`, when sent.
    pub requested: Option<String>,
    /// The v1beta settings at the time of the call.
    pub config: super::config::Config,
}

/// The [`Caller`] of a request: `401` without a known key, `422` for an unknown region.
pub fn caller(state: &AppState, headers: &HeaderMap) -> Result<Caller, V1Error> {
    Ok(Caller {
        key: authorize(state, headers)?,
        requested: requested_region(headers)?,
        config: state.v1beta.config(),
    })
}

/// Reads a JSON body, naming the field of a type error in the `422`.
pub fn parse_body<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, V1Error> {
    let mut de = serde_json::Deserializer::from_str(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { String::new() } else { path };
        V1Error::body_field(&field, e.inner().to_string())
    })
}

/// The `X-Overshoot-Region` the request names: `None` when absent, `422` when it is
/// not a documented region (emulator choice, §2).
pub fn requested_region(headers: &HeaderMap) -> Result<Option<String>, V1Error> {
    let Some(value) = headers.get(REGION_HEADER) else {
        return Ok(None);
    };
    let region = value.to_str().unwrap_or("").trim();
    if REGIONS.contains(&region) {
        Ok(Some(region.to_string()))
    } else {
        Err(V1Error::Validation {
            loc: vec!["header".into(), REGION_HEADER.to_ascii_lowercase()],
            msg: format!("must be one of {}", REGIONS.join(", ")),
        })
    }
}

/// `409 region_error` when the request named a region other than `owner`'s.
pub fn check_region(requested: &Option<String>, owner: &str) -> Result<(), V1Error> {
    match requested {
        Some(r) if r != owner => Err(V1Error::Region {
            expected: owner.to_string(),
            requested: Some(r.clone()),
        }),
        _ => Ok(()),
    }
}

/// `response` with `X-Overshoot-Region: region`.
pub fn with_region(response: impl IntoResponse, region: &str) -> Response {
    let mut response = response.into_response();
    if let Ok(v) = HeaderValue::from_str(region) {
        response.headers_mut().insert(REGION_HEADER, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(e: V1Error) -> (u16, serde_json::Value, HeaderMap) {
        let response = e.into_response();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap_or_default();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or_default(),
            headers,
        )
    }

    #[tokio::test]
    async fn every_shape_is_the_documented_one() {
        let (s, b, _) = body_of(V1Error::stream_not_found()).await;
        assert_eq!(
            (s, b),
            (404, serde_json::json!({"detail": "Stream not found"}))
        );
        let region = V1Error::Region {
            expected: "us-west1".into(),
            requested: Some("us-central1".into()),
        };
        let (s, b, _) = body_of(region).await;
        assert_eq!(s, 409);
        assert_eq!(
            b,
            serde_json::json!({"detail": {"error": "region_error", "expected_region": "us-west1", "requested_region": "us-central1"}})
        );
        let (s, b, _) = body_of(V1Error::chat(ChatErrorCode::StreamNotFound, "gone", false)).await;
        assert_eq!(s, 404);
        assert_eq!(
            b,
            serde_json::json!({"detail": {"error": {"message": "gone", "type": "stream_error", "code": "stream_not_found", "upstream": null}}})
        );
        let (s, b, _) = body_of(V1Error::body_field(
            "messages[0].content[1].image_url.url",
            "bad",
        ))
        .await;
        assert_eq!(s, 422);
        assert_eq!(b["error"], "validation_error");
        assert_eq!(
            b["details"][0]["loc"],
            serde_json::json!(["body", "messages", "0", "content", "1", "image_url", "url"])
        );
    }

    #[tokio::test]
    async fn contested_statuses_follow_the_switch() {
        let code = ChatErrorCode::FrameNotYetProduced;
        assert_eq!(body_of(V1Error::chat(code, "", false)).await.0, 409);
        assert_eq!(body_of(V1Error::chat(code, "", true)).await.0, 422);
        let code = ChatErrorCode::QueryParamInvalid;
        assert_eq!(body_of(V1Error::chat(code, "", false)).await.0, 400);
        assert_eq!(body_of(V1Error::chat(code, "", true)).await.0, 422);
        assert_eq!(
            body_of(V1Error::chat(ChatErrorCode::FrameEvicted, "", true))
                .await
                .0,
            410
        );
    }

    #[tokio::test]
    async fn a_429_carries_retry_after_and_the_rate_headers() {
        let headers = RateHeaders {
            limit: 5,
            remaining: 0,
            reset: 1_800_000_000,
        };
        let (s, b, h) = body_of(V1Error::RateLimited { headers }).await;
        assert_eq!(s, 429);
        assert_eq!(b["detail"]["error"]["type"], "rate_limit_error");
        assert_eq!(h["retry-after"], "1");
        assert_eq!(h["x-ratelimit-limit"], "5");
        assert_eq!(h["x-ratelimit-remaining"], "0");
        assert_eq!(h["x-ratelimit-reset"], "1800000000");
    }

    #[test]
    fn region_headers_are_checked() {
        let mut h = HeaderMap::new();
        assert_eq!(requested_region(&h), Ok(None));
        h.insert(REGION_HEADER, HeaderValue::from_static("us-central1"));
        let requested = requested_region(&h).unwrap_or_default();
        assert_eq!(requested.as_deref(), Some("us-central1"));
        assert!(check_region(&requested, "us-central1").is_ok());
        assert!(matches!(
            check_region(&requested, "us-west1"),
            Err(V1Error::Region { .. })
        ));
        h.insert(REGION_HEADER, HeaderValue::from_static("mars-1"));
        assert!(matches!(
            requested_region(&h),
            Err(V1Error::Validation { .. })
        ));
    }
}
