//! v1beta's calls (spec `overshoot-v1beta.md`), with the streams API's token rules:
//! a stream belongs to the `sub` that created it, and every call about a stream (a
//! chat's `ovs://` references included) must come from its owner, else 404 as if it
//! did not exist. The caller's `X-Overshoot-Region` goes upstream; the serving region
//! and rate-limit headers come back.

use super::http::{
    create_stream, owned_by, pass_on, read_body_in, store_failed_in, upstream_failed_in, CallLog,
    NewStream,
};
use super::upstream::{Answer, Outgoing, REGION};
use super::{denied_in, now_ms, sse, Gateway};
use crate::policy::{self, v1beta::DEFAULT_LEASE_MS, Denial, Shape};
use crate::route::Route;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use overshoot_protocol::v1beta::endpoints::Generation;
use reqwest::Method;
use std::time::Duration;

/// Deadline of a chat call, a streamed answer's last byte included (a model's answer
/// can take far longer than a stream call).
const CHAT_TIMEOUT: Duration = Duration::from_secs(300);

const API: Generation = Generation::V1beta;

/// Serves one v1beta call for `user` (already authenticated).
pub(super) async fn run(
    gw: &Gateway,
    user: &str,
    route: &Route,
    headers: &HeaderMap,
    body: Body,
    log: &mut CallLog,
) -> Result<Response, Response> {
    let region = headers.get(REGION);
    let base = &gw.upstream.v1beta;
    let shape = Shape::V1beta;
    match route {
        Route::Create => {
            let body = read_body_in(body, shape).await?;
            let body = policy::v1beta::create_body(&body).map_err(|d| denied_in(&d, shape))?;
            let new = NewStream {
                api: API,
                shape,
                out: Outgoing {
                    region,
                    ..Outgoing::plain(Method::POST, base.streams(), Some(body.into()))
                },
                id_key: "id",
                lease: |created| policy::ttl_ms(Some(created), DEFAULT_LEASE_MS),
            };
            create_stream(gw, user, new, log).await
        }
        Route::Models => {
            let mut answer = forward(gw, Method::GET, base.models(), None).await?;
            if (200..300).contains(&answer.status) {
                if let Some(shown) = policy::v1beta::allowed_models_only(&answer.body, &gw.limits) {
                    answer.body = shown.into();
                }
            }
            Ok(pass_on(&answer, log))
        }
        Route::Status(id) => {
            mine(gw, user, id).await?;
            let answer = forward(gw, Method::GET, base.stream(id), region).await?;
            if answer.status == 404 {
                // Gone upstream, tombstone included: its slot is free.
                forget(gw, id).await?;
            }
            Ok(pass_on(&answer, log))
        }
        Route::Keepalive(id) => {
            mine(gw, user, id).await?;
            let answer = forward(gw, Method::POST, base.keepalive(id), region).await?;
            if (200..300).contains(&answer.status) {
                let renewed = serde_json::from_slice(&answer.body).ok();
                let lease_ms = policy::ttl_ms(renewed.as_ref(), DEFAULT_LEASE_MS);
                gw.store
                    .renewed(id, now_ms(), lease_ms)
                    .await
                    .map_err(store_failed_in(shape))?;
            } else if answer.status == 404 {
                // Ended upstream (expired, deleted): it cannot be revived (§5).
                forget(gw, id).await?;
            }
            Ok(pass_on(&answer, log))
        }
        Route::Delete(id) => {
            mine(gw, user, id).await?;
            let answer = forward(gw, Method::DELETE, base.stream(id), region).await?;
            if (200..300).contains(&answer.status) || answer.status == 404 {
                forget(gw, id).await?;
            }
            Ok(pass_on(&answer, log))
        }
        Route::ViewerToken(id) => {
            mine(gw, user, id).await?;
            let answer = forward(gw, Method::POST, base.viewer_token(id), region).await?;
            Ok(pass_on(&answer, log))
        }
        Route::Chat => chat(gw, user, region, body, log).await,
        Route::Prompt(_) | Route::Socket(_) => Err(denied_in(&Denial::UnknownPath, shape)),
    }
}

/// `POST /chat/completions`: the policy, every referenced stream the caller's, then
/// the upstream's answer: JSON passed on whole, SSE relayed as it arrives.
async fn chat(
    gw: &Gateway,
    user: &str,
    region: Option<&HeaderValue>,
    body: Body,
    log: &mut CallLog,
) -> Result<Response, Response> {
    let shape = Shape::V1betaChat;
    let body = read_body_in(body, shape).await?;
    let plan = policy::v1beta::check_chat(&body, &gw.limits).map_err(|d| denied_in(&d, shape))?;
    if !plan.streams.is_empty() {
        log.stream = Some(plan.streams.join(","));
    }
    for id in &plan.streams {
        let record = owned_by(gw, user, id, API)
            .await
            .map_err(store_failed_in(shape))?;
        if record.is_none() {
            return Err(denied_in(&Denial::ForeignStream(id.clone()), shape));
        }
    }
    let per_minute = gw.limits.chat_rate_per_minute;
    let waited = gw
        .store
        .chat_allowed(user, per_minute, now_ms())
        .await
        .map_err(store_failed_in(shape))?;
    if let Some(retry_after_s) = waited {
        let denial = Denial::ChatRateLimited {
            per_minute,
            retry_after_s,
        };
        return Err(denied_in(&denial, shape));
    }
    let out = Outgoing {
        region,
        timeout: Some(CHAT_TIMEOUT),
        ..Outgoing::plain(
            Method::POST,
            gw.upstream.v1beta.chat_completions(),
            Some(body),
        )
    };
    let head = gw
        .upstream
        .send(out)
        .await
        .map_err(upstream_failed_in(shape))?;
    log.upstream_ms = Some(head.latency.as_millis() as u64);
    let event_stream = head
        .content_type()
        .is_some_and(|t| t.starts_with("text/event-stream"));
    if event_stream {
        return Ok(sse::relay(gw, head, log));
    }
    let answer = gw
        .upstream
        .read(head)
        .await
        .map_err(upstream_failed_in(shape))?;
    Ok(pass_on(&answer, log))
}

/// A body-less call about a stream (or `/models`), read whole.
async fn forward(
    gw: &Gateway,
    method: Method,
    url: String,
    region: Option<&HeaderValue>,
) -> Result<Answer, Response> {
    let failed = upstream_failed_in(Shape::V1beta);
    let out = Outgoing {
        region,
        ..Outgoing::plain(method, url, None)
    };
    let head = gw.upstream.send(out).await.map_err(&failed)?;
    gw.upstream.read(head).await.map_err(&failed)
}

/// The caller's v1beta stream `id`, or a 404 `{detail}`.
async fn mine(gw: &Gateway, user: &str, id: &str) -> Result<(), Response> {
    match owned_by(gw, user, id, API).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(denied_in(&Denial::NotFound, Shape::V1beta)),
        Err(e) => Err(store_failed_in(Shape::V1beta)(e)),
    }
}

/// Forgets stream `id` (ended upstream) and frees its slot.
async fn forget(gw: &Gateway, id: &str) -> Result<(), Response> {
    gw.store
        .remove(id)
        .await
        .map(drop)
        .map_err(store_failed_in(Shape::V1beta))
}
