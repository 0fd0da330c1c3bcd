//! The HTTP calls: authenticate the token, apply the policy, call upstream with the
//! key, pass the answer on, and log one line per call.

use super::upstream::{Answer, Failure};
use super::{denied, error_response, now_ms, Gateway};
use crate::policy::{self, Denial, Liveness, MAX_BODY_BYTES};
use crate::route::Route;
use crate::store::{StoreError, StreamRecord};
use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{json, Value};

/// Lease assumed when an upstream answer does not state one (the API's default).
const DEFAULT_LEASE_MS: u64 = 30_000;

/// What one call did, for its log line.
#[derive(Default)]
struct CallLog {
    user: Option<String>,
    stream: Option<String>,
    upstream_ms: Option<u64>,
}

/// Serves one HTTP call and logs it.
pub async fn serve(gw: &Gateway, route: Route, headers: &HeaderMap, body: Body) -> Response {
    let mut log = CallLog {
        stream: route.stream_id().map(str::to_string),
        ..CallLog::default()
    };
    let response = match run(gw, &route, headers, body, &mut log).await {
        Ok(response) | Err(response) => response,
    };
    tracing::info!(
        call = route.name(),
        user = log.user.as_deref().unwrap_or("-"),
        stream = log.stream.as_deref().unwrap_or("-"),
        status = response.status().as_u16(),
        upstream_ms = log.upstream_ms,
    );
    response
}

/// The bearer token of a request ("" when absent).
fn bearer(headers: &HeaderMap) -> &str {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
}

fn store_failed(e: StoreError) -> Response {
    tracing::error!(error = %e, "store unavailable");
    error_response(
        503,
        json!({"error": "unavailable", "message": "the gateway's store is unavailable"}),
    )
}

fn upstream_failed(failure: Failure) -> Response {
    let message = match failure {
        Failure::Unreachable(kind) => {
            tracing::warn!(kind, "upstream unreachable");
            "the upstream API did not answer"
        }
        Failure::LeakedKey => {
            tracing::error!("an upstream answer contained the API key; withheld");
            "the upstream answer was withheld"
        }
    };
    error_response(502, json!({"error": "bad_gateway", "message": message}))
}

/// The upstream answer as this call's answer.
fn pass_on(answer: &Answer, log: &mut CallLog) -> Response {
    log.upstream_ms = Some(answer.latency.as_millis() as u64);
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = answer
        .content_type
        .clone()
        .unwrap_or_else(|| "application/json".into());
    (
        status,
        [(header::CONTENT_TYPE, content_type)],
        answer.body.clone(),
    )
        .into_response()
}

async fn read_body(body: Body) -> Result<bytes::Bytes, Response> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| denied(&Denial::BodyTooLarge))
}

/// The caller's stream `id`; anyone else's does not exist.
async fn owned(gw: &Gateway, user: &str, id: &str) -> Result<StreamRecord, Response> {
    match gw.store.get(id).await.map_err(store_failed)? {
        Some(record) if record.user == user => Ok(record),
        _ => Err(denied(&Denial::NotFound)),
    }
}

async fn run(
    gw: &Gateway,
    route: &Route,
    headers: &HeaderMap,
    body: Body,
    log: &mut CallLog,
) -> Result<Response, Response> {
    let user = gw
        .verifier
        .verify(bearer(headers))
        .map_err(|r| denied(&Denial::Unauthorized(r.reason())))?;
    log.user = Some(user.clone());
    let base = &gw.upstream.base;
    match route {
        Route::Create => create(gw, &user, body, log).await,
        Route::Models => {
            let answer = gw.upstream.call(Method::GET, &base.models(), None).await;
            let mut answer = answer.map_err(upstream_failed)?;
            if (200..300).contains(&answer.status) {
                if let Some(shown) = policy::allowed_models_only(&answer.body, &gw.limits) {
                    answer.body = shown.into();
                }
            }
            Ok(pass_on(&answer, log))
        }
        Route::Keepalive(id) => {
            owned(gw, &user, id).await?;
            let answer = gw
                .upstream
                .call(Method::POST, &base.keepalive(id), None)
                .await;
            let answer = answer.map_err(upstream_failed)?;
            if (200..300).contains(&answer.status) {
                let lease_ms = lease_of(&answer.body, "ttl_seconds");
                gw.store
                    .renewed(id, now_ms(), lease_ms)
                    .await
                    .map_err(store_failed)?;
            } else if matches!(answer.status, 402 | 404) {
                // The stream ended upstream: its slot is free.
                gw.store.remove(id).await.map_err(store_failed)?;
            }
            Ok(pass_on(&answer, log))
        }
        Route::Prompt(id) => {
            owned(gw, &user, id).await?;
            let body = read_body(body).await?;
            let answer = gw
                .upstream
                .call(Method::PATCH, &base.prompt(id), Some(body))
                .await;
            Ok(pass_on(&answer.map_err(upstream_failed)?, log))
        }
        Route::Delete(id) => {
            owned(gw, &user, id).await?;
            let answer = gw
                .upstream
                .call(Method::DELETE, &base.stream(id), None)
                .await;
            let answer = answer.map_err(upstream_failed)?;
            if (200..300).contains(&answer.status) || answer.status == 404 {
                gw.store.remove(id).await.map_err(store_failed)?;
            }
            Ok(pass_on(&answer, log))
        }
        Route::Socket(_) => Err(denied(&Denial::UnknownPath)),
    }
}

/// `POST /streams`: policy, a slot in the user's cap, then the upstream create.
async fn create(
    gw: &Gateway,
    user: &str,
    body: Body,
    log: &mut CallLog,
) -> Result<Response, Response> {
    let body = read_body(body).await?;
    policy::check_create_body(&body, &gw.limits).map_err(|d| denied(&d))?;
    let reservation = gw
        .store
        .reserve(user, gw.limits.max_streams_per_user, now_ms())
        .await
        .map_err(store_failed)?
        .ok_or_else(|| {
            denied(&Denial::TooManyStreams {
                cap: gw.limits.max_streams_per_user,
            })
        })?;
    let answer = gw
        .upstream
        .call(Method::POST, &gw.upstream.base.streams(), Some(body))
        .await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(failure) => {
            gw.store.cancel(&reservation).await.map_err(store_failed)?;
            return Err(upstream_failed(failure));
        }
    };
    let created = serde_json::from_slice::<Value>(&answer.body).ok();
    let stream_id = created
        .as_ref()
        .and_then(|v| v.get("stream_id"))
        .and_then(Value::as_str)
        .filter(|_| (200..300).contains(&answer.status));
    let Some(stream_id) = stream_id else {
        gw.store.cancel(&reservation).await.map_err(store_failed)?;
        return Ok(pass_on(&answer, log));
    };
    log.stream = Some(stream_id.to_string());
    let now = now_ms();
    let record = StreamRecord {
        user: user.to_string(),
        instance: gw.instance.clone(),
        liveness: Liveness {
            created_ms: now,
            renewed_ms: now,
            lease_ms: created
                .as_ref()
                .and_then(|v| v.get("lease"))
                .map(|l| lease_ms_of(l, "ttl_seconds"))
                .unwrap_or(DEFAULT_LEASE_MS),
            sockets_open: 0,
            socket_closed_ms: None,
        },
    };
    if let Err(e) = gw.store.commit(&reservation, stream_id, &record).await {
        // Nobody could manage this stream: end it now rather than bill it unseen.
        gw.upstream.delete_stream(stream_id).await;
        return Err(store_failed(e));
    }
    Ok(pass_on(&answer, log))
}

/// The lease in ms from an answer's `field` (seconds), or the default.
fn lease_of(body: &[u8], field: &str) -> u64 {
    serde_json::from_slice::<Value>(body)
        .map(|v| lease_ms_of(&v, field))
        .unwrap_or(DEFAULT_LEASE_MS)
}

fn lease_ms_of(value: &Value, field: &str) -> u64 {
    value
        .get(field)
        .and_then(Value::as_f64)
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(|s| (s * 1000.0) as u64)
        .unwrap_or(DEFAULT_LEASE_MS)
}
