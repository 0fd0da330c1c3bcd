//! `POST /chat/completions` (§10): the request is read and checked with protocol's rule
//! table, every `ovs://` reference is resolved over the frames the emulator retains
//! for its stream (protocol's §9.3 resolver), and the answer says what those frames
//! show, as JSON or SSE.
//!
//! Order of checks: key (401), region header value (422), rate limit (429), body and
//! rules (422 or the reference codes), billing (402), armed chat faults, model (404,
//! 400 `model_video_unsupported`), streams (404, 403, 409 region), resolution (404,
//! 400, 409, 410).

#[cfg(test)]
mod cases_tests;
pub mod compose;
pub mod refs;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use overshoot_protocol::v1beta::chat::{CacheInfo, ChatRequest, ResponseFormat};
use overshoot_protocol::v1beta::errors::ChatErrorCode;
use overshoot_protocol::v1beta::validate::validate_chat;
use serde_json::Value;

use self::compose::{Answer, Envelope, Seen};
use self::refs::{failure_message, media_parts, resolve_in, MediaPart};
use super::config::{ChatRegionBody, Config};
use super::http::{caller, parse_body, with_region, Caller, RateHeaders, V1Error};
use super::registry::Missing;
use super::streams::{new_uuid, MODELS};
use super::{lock, sweep};
use crate::model::{off_workers, structured_answer, Observation};
use crate::peer::{unix_ms, FrameSink};
use crate::state::AppState;

/// Threads remembered for `overshoot.cache` before the memory starts over.
const MAX_THREADS: usize = 10_000;

/// Pause between SSE chunks, so streamed partials arrive visibly before the end.
const CHUNK_GAP: std::time::Duration = std::time::Duration::from_millis(25);

/// The documented chat error for `code` under `config`'s status reading.
fn chat_error(code: ChatErrorCode, message: impl Into<String>, config: &Config) -> V1Error {
    V1Error::chat(code, message, config.alternative_statuses)
}

/// The request read and checked with protocol's rule table: `422` naming the field,
/// or the documented code of a malformed reference.
pub fn checked_request(body: &str, config: &Config) -> Result<ChatRequest<Value>, V1Error> {
    let request: ChatRequest<Value> = parse_body(body)?;
    validate_chat(&request).map_err(|e| match e.code {
        Some(code) => chat_error(code, e.field.message, config),
        None => V1Error::body_field(&e.field.field, e.field.message),
    })?;
    Ok(request)
}

/// A wrong-region or mixed-region `409` in the shape `config` says (§16.16).
fn region_conflict(expected: &str, requested: Option<String>, config: &Config) -> V1Error {
    match config.chat_region_body {
        ChatRegionBody::RegionError => V1Error::Region {
            expected: expected.to_string(),
            requested,
        },
        ChatRegionBody::ChatEnvelope => V1Error::Chat {
            status: StatusCode::CONFLICT,
            code: "region_error".into(),
            kind: "stream_error",
            message: format!(
                "The referenced streams belong to region {expected}, not {}",
                requested.as_deref().unwrap_or("the one requested")
            ),
        },
    }
}

/// The frame stores of the referenced streams, by stream id.
type Sinks = BTreeMap<String, Arc<FrameSink>>;

/// The streams the parts reference, checked for the caller: their sinks by id, and
/// their one region.
fn streams_of(
    state: &AppState,
    key: &str,
    parts: &[MediaPart],
    requested: &Option<String>,
    config: &Config,
) -> Result<(Sinks, Option<String>), V1Error> {
    let registry = lock(&state.v1beta.registry);
    let mut sinks = BTreeMap::new();
    let mut region: Option<String> = None;
    for id in parts.iter().filter_map(MediaPart::stream_id) {
        let stream = match registry.find(id, key) {
            Ok(s) if s.is_active() => s,
            Ok(_) | Err(Missing::NotFound) => {
                let msg = format!("Stream not found: {id}");
                return Err(chat_error(ChatErrorCode::StreamNotFound, msg, config));
            }
            Err(Missing::OtherOwner) if config.other_owner_not_found => {
                let msg = format!("Stream not found: {id}");
                return Err(chat_error(ChatErrorCode::StreamNotFound, msg, config));
            }
            Err(Missing::OtherOwner) => {
                let msg = format!("Stream {id} belongs to another user");
                return Err(chat_error(ChatErrorCode::StreamUnauthorized, msg, config));
            }
        };
        match &region {
            Some(r) if *r != stream.region => {
                return Err(region_conflict(r, Some(stream.region.clone()), config));
            }
            _ => region = Some(stream.region.clone()),
        }
        sinks.insert(id.to_string(), Arc::clone(&stream.sink));
    }
    if let (Some(owner), Some(asked)) = (&region, requested) {
        if owner != asked {
            return Err(region_conflict(owner, Some(asked.clone()), config));
        }
    }
    Ok((sinks, region))
}

/// What every part shows, resolved at `now_ms`.
fn resolve_all(
    parts: &[MediaPart],
    sinks: &Sinks,
    now_ms: i64,
    config: &Config,
) -> Result<Vec<Seen>, V1Error> {
    parts
        .iter()
        .map(|part| {
            let Some((id, sink)) = part
                .stream_id()
                .and_then(|id| sinks.get(id).map(|s| (id, s)))
            else {
                return Ok(Seen::External);
            };
            sink.with_frames(now_ms, |log| {
                if config.validation_before_first_frame && log.first_at_ms().is_none() {
                    let msg = format!("stream {id} has not ingested a frame yet");
                    return Err(V1Error::body_field("messages", msg));
                }
                resolve_in(log, part, config.readings, now_ms)
                    .map_err(|code| chat_error(code, failure_message(code, id), config))
            })
            .map(Seen::Frames)
        })
        .collect()
}

/// The answer's content: JSON for `response_format` json_object/json_schema, else text.
async fn content(request: &ChatRequest<Value>, seen: &[Seen]) -> Result<String, V1Error> {
    let overall = compose::overall(seen);
    match &request.response_format {
        Some(ResponseFormat::JsonSchema { json_schema }) => {
            structured_content(json_schema.schema.clone(), &overall).await
        }
        Some(ResponseFormat::JsonObject) => Ok(compose::observation_json(&overall)),
        _ => Ok(compose::describe(seen)),
    }
}

/// The json_schema answer: JSON that validates against the app's schema, saying what
/// the referenced frames show; a schema the model cannot answer is a `422` naming it.
async fn structured_content(
    schema: Value,
    overall: &crate::peer::ClipStats,
) -> Result<String, V1Error> {
    let seen = Observation::of_clip(overall);
    off_workers(move || structured_answer(&schema, &seen))
        .await
        .map(|answer| answer.to_string())
        .map_err(|e| V1Error::body_field("response_format.json_schema.schema", e.to_string()))
}

/// `overshoot.cache` for this request, remembering its prompt for the thread.
fn cache_info(state: &AppState, key: &str, request: &ChatRequest<Value>, prompt: u64) -> CacheInfo {
    let Some(thread) = request.thread_id.clone() else {
        return CacheInfo::default();
    };
    let mut threads = lock(&state.v1beta.threads);
    if threads.len() >= MAX_THREADS {
        threads.clear(); // a cache forgets; hits are never guaranteed (§10.5)
    }
    let previous = threads.insert(
        (key.to_string(), request.model.clone(), thread.clone()),
        prompt,
    );
    CacheInfo {
        thread_id: Some(thread),
        cache_hit: previous.is_some(),
        cached_input_tokens: previous.map_or(0, |p| p.min(prompt)),
    }
}

/// `POST /chat/completions`.
pub async fn complete(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: String,
) -> Result<Response, V1Error> {
    let Caller {
        key,
        requested,
        config,
    } = caller(&state, &headers)?;
    let now = unix_ms();
    let rate = {
        let checked = lock(&state.v1beta.limiter).check(&key, config.rate_limit_rps, now);
        match checked {
            _ if state.v1beta.faults.take_rate_limited(&key) => {
                let headers = RateHeaders {
                    limit: config.rate_limit_rps.max(1),
                    remaining: 0,
                    reset: now.div_euclid(1000) + 1,
                };
                return Err(V1Error::RateLimited { headers });
            }
            Err(headers) => return Err(V1Error::RateLimited { headers }),
            Ok(headers) => headers,
        }
    };
    let request = checked_request(&body, &config)?;
    if state.out_of_credits(&key) || state.v1beta.faults.take_billing_denied(&key) {
        let msg = "Billing denied the request: the account balance is exhausted";
        return Err(chat_error(ChatErrorCode::BillingDenied, msg, &config));
    }
    if let Some(code) = state.v1beta.faults.take_chat_error(&key) {
        let parsed = ChatErrorCode::parse(&code).unwrap_or(ChatErrorCode::UpstreamRequestFailed);
        return Err(chat_error(
            parsed,
            format!("injected fault: {code}"),
            &config,
        ));
    }
    let parts = media_parts(&request).map_err(|e| chat_error(e.code, e.message, &config))?;
    let Some((_, takes_video)) = MODELS.iter().find(|(id, _)| *id == request.model) else {
        return Err(V1Error::Chat {
            status: StatusCode::NOT_FOUND,
            code: "model_not_found".into(),
            kind: "provider_error",
            message: format!("Model not found: {}", request.model),
        });
    };
    if !takes_video && parts.iter().any(MediaPart::is_video) {
        let msg = format!("Model {} does not take video segments", request.model);
        return Err(chat_error(
            ChatErrorCode::ModelVideoUnsupported,
            msg,
            &config,
        ));
    }
    sweep(&state, now);
    let (sinks, region) = streams_of(&state, &key, &parts, &requested, &config)?;
    let seen = resolve_all(&parts, &sinks, now, &config)?;
    let content = content(&request, &seen).await?;
    let prompt = compose::prompt_tokens(refs::text_len(&request), &seen);
    let answer = Answer::new(&content, request.output_cap(), prompt);
    let env = Envelope {
        id: format!("chatcmpl-{}", new_uuid()),
        created: now / 1000,
        model: request.model.clone(),
        cache: cache_info(&state, &key, &request, prompt),
    };
    let delay = state.v1beta.faults.chat_delay(&key);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut response = if request.is_streaming() {
        let include_usage = request
            .stream_options
            .and_then(|o| o.include_usage)
            .unwrap_or(false);
        let form = compose::SseForm {
            include_usage,
            openai_fields: !config.bare_sse_chunks,
        };
        sse_response(compose::sse_events(&env, &answer, form))
    } else {
        Json(compose::completion(&env, &answer)).into_response()
    };
    if let Some(rate) = rate {
        rate.write(response.headers_mut());
    }
    Ok(with_region(
        response,
        region.as_deref().unwrap_or(&config.region),
    ))
}

/// A `text/event-stream` answer sending `events` one by one, [`CHUNK_GAP`] apart.
fn sse_response(events: Vec<String>) -> Response {
    let stream =
        futures_util::stream::unfold((events.into_iter(), true), |(mut rest, first)| async move {
            let event = rest.next()?;
            if !first {
                tokio::time::sleep(CHUNK_GAP).await;
            }
            Some((Ok::<_, std::convert::Infallible>(event), (rest, false)))
        });
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}
