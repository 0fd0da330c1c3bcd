//! The edge: every request lands in [`handle`], which finds its call ([`Call`]) and
//! serves it over HTTP ([`http`] for the streams API, [`v1beta`] with its streamed
//! chat answers in [`sse`]) or as a relayed results socket ([`socket`]).

mod http;
mod socket;
mod sse;
mod upstream;
mod v1beta;

#[cfg(test)]
mod v1beta_tests;

use crate::auth::Verifier;
use crate::cli::{Secrets, ServeArgs};
use crate::policy::{Denial, Limits, Shape};
use crate::route::{Call, Route};
use crate::store::{random_hex, Store};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use overshoot_protocol::endpoints::BaseUrl;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};
pub use upstream::Upstream;

/// Everything a call needs.
pub struct Gateway {
    /// The API, called with the real key.
    pub upstream: Upstream,
    /// Checks users' tokens.
    pub verifier: Verifier,
    /// The policy limits.
    pub limits: Limits,
    /// Ownership, counts, liveness.
    pub store: Store,
    /// This process's id in the store.
    pub instance: String,
    /// Whether the store is shared (Redis): then SIGTERM releases only this instance's streams.
    pub shared_store: bool,
}

impl Gateway {
    /// The gateway `serve` was asked for.
    pub fn new(args: &ServeArgs, secrets: Secrets, store: Store) -> Result<Gateway, String> {
        let base =
            BaseUrl::parse(&args.upstream, false).map_err(|e| format!("--upstream {}", e.0))?;
        let v1beta_url = args
            .upstream_v1beta
            .clone()
            .unwrap_or_else(|| crate::cli::v1beta_beside(&args.upstream));
        let v1beta =
            BaseUrl::parse(&v1beta_url, false).map_err(|e| format!("--upstream-v1beta {}", e.0))?;
        if args.max_streams_per_user == 0 {
            return Err("--max-streams-per-user must be at least 1".into());
        }
        Ok(Gateway {
            upstream: Upstream::new(base, v1beta, secrets.api_key)?,
            verifier: Verifier::new(&secrets.token_secret)?,
            limits: Limits {
                max_streams_per_user: args.max_streams_per_user,
                allowed_models: args.allow_models.clone(),
                max_stream_seconds: args.max_stream_seconds,
                orphan_grace_seconds: args.orphan_grace_seconds,
                allow_external_media: args.allow_external_media,
                chat_rate_per_minute: args.chat_rate_per_minute,
            },
            shared_store: matches!(store, Store::Redis(_)),
            store,
            instance: random_hex(),
        })
    }
}

/// CORS for the `--allow-origin` list only; `None` without one (no CORS headers at all).
pub fn cors(origins: &[String]) -> Result<Option<CorsLayer>, String> {
    if origins.is_empty() {
        return Ok(None);
    }
    let origins = origins
        .iter()
        .map(|o| {
            HeaderValue::from_str(o.trim_end_matches('/'))
                .map_err(|_| format!("--allow-origin {o:?} is not a valid origin"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static(upstream::REGION),
            ])
            // A page can read the serving region and the rate-limit headers (v1beta).
            .expose_headers(upstream::PASSED_BACK.map(HeaderName::from_static))
            .max_age(Duration::from_secs(600)),
    ))
}

/// Every request.
pub async fn handle(State(gateway): State<Arc<Gateway>>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let Some(call) = Call::parse(&parts.method, parts.uri.path()) else {
        let v1beta = parts.uri.path().split('/').any(|s| s == "v1beta");
        let shape = if v1beta {
            Shape::V1beta
        } else {
            Shape::Streams
        };
        return denied_in(&Denial::UnknownPath, shape);
    };
    if let Route::Socket(id) = call.route {
        return match axum::extract::ws::WebSocketUpgrade::from_request_parts(&mut parts, &()).await
        {
            Ok(upgrade) => upgrade.on_upgrade(move |ws| socket::relay(gateway, id, ws)),
            Err(rejection) => rejection.into_response(),
        };
    }
    // A task of its own: a client that goes away mid-call must not cancel a create
    // between the upstream's answer and the store's record of it (an unrecorded stream
    // would stay billed until its lease ran out).
    let served =
        tokio::spawn(async move { http::serve(&gateway, call, &parts.headers, body).await });
    served.await.unwrap_or_else(|_| {
        error_response(
            500,
            serde_json::json!({"error": "internal", "message": "the call failed"}),
        )
    })
}

/// A denial as the streams API would answer it.
pub fn denied(denial: &Denial) -> Response {
    denied_in(denial, Shape::Streams)
}

/// A denial in the error vocabulary `shape`.
pub fn denied_in(denial: &Denial, shape: Shape) -> Response {
    let mut response = error_response(denial.status(), denial.body_in(shape));
    if let Some(seconds) = denial.retry_after() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// An error body with a fresh `request_id`.
pub fn error_response(status: u16, mut body: Value) -> Response {
    body["request_id"] = Value::String(format!("gw-{}", random_hex()));
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(body)).into_response()
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
