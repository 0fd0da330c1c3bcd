//! The HTTP calls: authenticate the token, apply the policy, call upstream with the
//! key, pass the answer on, and log one line per call. The streams API's calls are
//! here; v1beta's in [`super::v1beta`], with the helpers below.

use super::upstream::{Answer, Failure, Outgoing};
use super::{denied, denied_in, now_ms, Gateway};
use crate::policy::{self, Denial, Liveness, Shape, MAX_BODY_BYTES};
use crate::route::{api_name, Call, Route};
use crate::store::{StoreError, StreamRecord};
use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use overshoot_protocol::v1beta::endpoints::Generation;
use reqwest::Method;
use serde_json::Value;

/// Lease assumed when an upstream answer does not state one (the API's default).
const DEFAULT_LEASE_MS: u64 = 30_000;

/// What one call did, for its log line.
#[derive(Default)]
pub(super) struct CallLog {
    /// The token's `sub`.
    pub user: Option<String>,
    /// The stream (a chat: every stream it references, comma-separated).
    pub stream: Option<String>,
    /// How long the upstream took to answer (its head, for a streamed answer).
    pub upstream_ms: Option<u64>,
}

/// Serves one HTTP call and logs it.
pub async fn serve(gw: &Gateway, call: Call, headers: &HeaderMap, body: Body) -> Response {
    let mut log = CallLog {
        stream: call.route.stream_id().map(str::to_string),
        ..CallLog::default()
    };
    let shape = shape_of(&call);
    let result = match verify(gw, headers) {
        Ok(user) => {
            log.user = Some(user.clone());
            match call.api {
                Generation::Streams => run(gw, &user, &call.route, body, &mut log).await,
                Generation::V1beta => {
                    super::v1beta::run(gw, &user, &call.route, headers, body, &mut log).await
                }
            }
        }
        Err(denial) => Err(denied_in(&denial, shape)),
    };
    let response = match result {
        Ok(response) | Err(response) => response,
    };
    tracing::info!(
        api = api_name(call.api),
        call = call.route.name(),
        user = log.user.as_deref().unwrap_or("-"),
        stream = log.stream.as_deref().unwrap_or("-"),
        status = response.status().as_u16(),
        upstream_ms = log.upstream_ms,
    );
    response
}

/// The error vocabulary of `call`'s answers.
fn shape_of(call: &Call) -> Shape {
    match (call.api, &call.route) {
        (Generation::Streams, _) => Shape::Streams,
        (Generation::V1beta, Route::Chat) => Shape::V1betaChat,
        (Generation::V1beta, _) => Shape::V1beta,
    }
}

/// The user of the request's token.
fn verify(gw: &Gateway, headers: &HeaderMap) -> Result<String, Denial> {
    gw.verifier
        .verify(bearer(headers))
        .map_err(|r| Denial::Unauthorized(r.reason()))
}

/// The bearer token of a request ("" when absent).
fn bearer(headers: &HeaderMap) -> &str {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
}

/// The store failed: `503` in `shape`.
pub(super) fn store_failed_in(shape: Shape) -> impl Fn(StoreError) -> Response {
    move |e| {
        tracing::error!(error = %e, "store unavailable");
        denied_in(&Denial::StoreUnavailable, shape)
    }
}

fn store_failed(e: StoreError) -> Response {
    store_failed_in(Shape::Streams)(e)
}

fn upstream_failed(failure: Failure) -> Response {
    upstream_failed_in(Shape::Streams)(failure)
}

/// The upstream gave nothing to pass on: `502` in `shape`.
pub(super) fn upstream_failed_in(shape: Shape) -> impl Fn(Failure) -> Response {
    move |failure| denied_in(&Denial::BadGateway(failure_message(failure)), shape)
}

fn failure_message(failure: Failure) -> &'static str {
    match failure {
        Failure::Unreachable(kind) => {
            tracing::warn!(kind, "upstream unreachable");
            "the upstream API did not answer"
        }
        Failure::LeakedKey => {
            tracing::error!("an upstream answer contained the API key; withheld");
            "the upstream answer was withheld"
        }
    }
}

/// The upstream answer as this call's answer: status, body, content type and the
/// passed-back headers.
pub(super) fn pass_on(answer: &Answer, log: &mut CallLog) -> Response {
    log.upstream_ms = Some(answer.latency.as_millis() as u64);
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = answer
        .content_type
        .clone()
        .unwrap_or_else(|| "application/json".into());
    (
        status,
        [(header::CONTENT_TYPE, content_type)],
        answer.headers.clone(),
        answer.body.clone(),
    )
        .into_response()
}

/// The request body, at most [`MAX_BODY_BYTES`].
pub(super) async fn read_body_in(body: Body, shape: Shape) -> Result<bytes::Bytes, Response> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| denied_in(&Denial::BodyTooLarge, shape))
}

async fn read_body(body: Body) -> Result<bytes::Bytes, Response> {
    read_body_in(body, Shape::Streams).await
}

/// The caller's stream `id` of generation `api`; anyone else's, and one of the other
/// generation, does not exist (`None`).
pub(super) async fn owned_by(
    gw: &Gateway,
    user: &str,
    id: &str,
    api: Generation,
) -> Result<Option<StreamRecord>, StoreError> {
    Ok(gw
        .store
        .get(id)
        .await?
        .filter(|record| record.user == user && record.api == api))
}

/// The caller's streams-API stream `id`, or a 404.
async fn owned(gw: &Gateway, user: &str, id: &str) -> Result<StreamRecord, Response> {
    owned_by(gw, user, id, Generation::Streams)
        .await
        .map_err(store_failed)?
        .ok_or_else(|| denied(&Denial::NotFound))
}

async fn run(
    gw: &Gateway,
    user: &str,
    route: &Route,
    body: Body,
    log: &mut CallLog,
) -> Result<Response, Response> {
    let user = user.to_string();
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
                let lease_ms = lease_of(&answer.body);
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
        _ => Err(denied(&Denial::UnknownPath)),
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
    let new = NewStream {
        api: Generation::Streams,
        shape: Shape::Streams,
        out: Outgoing::plain(Method::POST, gw.upstream.base.streams(), Some(body)),
        id_key: "stream_id",
        lease: |created| policy::ttl_ms(created.get("lease"), DEFAULT_LEASE_MS),
    };
    create_stream(gw, user, new, log).await
}

/// A create call, checked, for [`create_stream`].
pub(super) struct NewStream<'a> {
    /// The generation it is created in.
    pub api: Generation,
    /// Its error vocabulary.
    pub shape: Shape,
    /// The upstream call.
    pub out: Outgoing<'a>,
    /// The answer's key of the new stream's id (`stream_id`, v1beta `id`).
    pub id_key: &'static str,
    /// The lease (ms) the answer grants.
    pub lease: fn(&Value) -> u64,
}

/// Takes a slot in the user's cap, creates the stream upstream and records who owns
/// it; the slot is given back when the upstream refuses or cannot be reached.
pub(super) async fn create_stream(
    gw: &Gateway,
    user: &str,
    new: NewStream<'_>,
    log: &mut CallLog,
) -> Result<Response, Response> {
    let store_failed = store_failed_in(new.shape);
    let cap = gw.limits.max_streams_per_user;
    let reservation = gw
        .store
        .reserve(user, cap, now_ms())
        .await
        .map_err(&store_failed)?
        .ok_or_else(|| denied_in(&Denial::TooManyStreams { cap }, new.shape))?;
    let answer = match gw.upstream.send(new.out).await {
        Ok(head) => gw.upstream.read(head).await,
        Err(failure) => Err(failure),
    };
    let answer = match answer {
        Ok(answer) => answer,
        Err(failure) => {
            gw.store.cancel(&reservation).await.map_err(&store_failed)?;
            return Err(upstream_failed_in(new.shape)(failure));
        }
    };
    let created = serde_json::from_slice::<Value>(&answer.body).unwrap_or_default();
    let stream_id = created
        .get(new.id_key)
        .and_then(Value::as_str)
        .filter(|_| (200..300).contains(&answer.status));
    let Some(stream_id) = stream_id else {
        gw.store.cancel(&reservation).await.map_err(&store_failed)?;
        return Ok(pass_on(&answer, log));
    };
    log.stream = Some(stream_id.to_string());
    let now = now_ms();
    let record = StreamRecord {
        user: user.to_string(),
        instance: gw.instance.clone(),
        api: new.api,
        liveness: Liveness {
            created_ms: now,
            renewed_ms: now,
            lease_ms: (new.lease)(&created),
            sockets_open: 0,
            socket_closed_ms: None,
        },
    };
    if let Err(e) = gw.store.commit(&reservation, stream_id, &record).await {
        // Nobody could manage this stream: end it now rather than bill it unseen.
        gw.upstream.delete_stream(new.api, stream_id).await;
        return Err(store_failed(e));
    }
    Ok(pass_on(&answer, log))
}

/// The lease in ms from an answer's `ttl_seconds`, or the default.
fn lease_of(body: &[u8]) -> u64 {
    let answer = serde_json::from_slice::<Value>(body).ok();
    policy::ttl_ms(answer.as_ref(), DEFAULT_LEASE_MS)
}
