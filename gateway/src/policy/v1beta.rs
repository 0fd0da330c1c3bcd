//! The policy for v1beta calls (spec `overshoot-v1beta.md`): the protocol core's
//! parsing and rules (the same the package and the emulator apply), the
//! `--allow-model` list, and the streams a chat request references, which the caller
//! must own. The gateway calls the API with one key for every user, so the upstream's
//! own ownership check cannot tell users apart: this one is the only one.

use super::unique_keys::UniqueKeys;
use super::{check_model, Denial, Limits, MAX_BODY_BYTES};
use overshoot_protocol::v1beta::chat::ChatRequest;
use overshoot_protocol::v1beta::reference::{mentions_ovs, stream_id_of, RefError};
use overshoot_protocol::v1beta::streams::{CreateStreamBody, LEASE_TTL_SECONDS};
use overshoot_protocol::v1beta::validate::{validate_chat, validate_create};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashSet;

/// Lease assumed when an answer does not state one: every v1beta stream gets 300 s.
pub const DEFAULT_LEASE_MS: u64 = LEASE_TTL_SECONDS as u64 * 1000;

/// What a checked chat request needs from the gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatPlan {
    /// Every stream the body references, each once: all must be the caller's.
    pub streams: Vec<String>,
    /// Whether the answer will be SSE (`stream: true`).
    pub streaming: bool,
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Denial> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| Denial::Invalid {
        field: e.path().to_string(),
        message: format!("malformed request: {}", e.inner()),
    })
}

/// Checks a `POST /streams` body and returns the one to send: no body, an empty one
/// and `{}` all mean a LiveKit-published stream (sent as `{}`); otherwise a camera
/// source, checked by the protocol's rules and sent as given.
pub fn create_body(body: &[u8]) -> Result<Vec<u8>, Denial> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Denial::BodyTooLarge);
    }
    if body.trim_ascii().is_empty() {
        return Ok(b"{}".to_vec());
    }
    parse::<UniqueKeys>(body)?;
    let request: CreateStreamBody = parse(body)?;
    validate_create(&request).map_err(|e| Denial::Invalid {
        field: e.field.clone(),
        message: e.to_string(),
    })?;
    Ok(body.to_vec())
}

/// Distinct streams one chat request may reference.
pub const MAX_STREAMS_PER_CHAT: usize = 32;

/// Checks a `POST /chat/completions` body: no key twice in one object, the protocol's
/// chat rules, the model allow-list, and the referenced streams (for the caller to
/// prove ownership of).
///
/// References are collected twice over: every `image_url`/`video_url` part by its
/// kind's grammar (a malformed one is refused with its documented code), and, in case
/// an upstream reads a field this crate does not know, every other string in the body
/// (keys too) that mentions `ovs:` at all: it must name a stream (`ovs://streams/<id>`)
/// or the request is refused, never passed on unchecked.
pub fn check_chat(body: &[u8], limits: &Limits) -> Result<ChatPlan, Denial> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Denial::BodyTooLarge);
    }
    parse::<UniqueKeys>(body)?;
    let request: ChatRequest<Value> = parse(body)?;
    validate_chat(&request).map_err(|e| match e.code {
        Some(code) => Denial::BadReference {
            code,
            message: e.field.to_string(),
        },
        None => Denial::Invalid {
            field: e.field.field.clone(),
            message: e.field.to_string(),
        },
    })?;
    check_model("model", &request.model, limits)?;
    let mut streams = request.referenced_streams().map_err(bad_reference)?;
    let mut seen: HashSet<String> = streams.iter().cloned().collect();
    let whole: Value = parse(body)?;
    let mut problem = None;
    for_each_string(&whole, &mut |s| {
        if problem.is_some() || !mentions_ovs(s) {
            return;
        }
        match stream_id_of(s) {
            Ok(id) if seen.insert(id.clone()) => streams.push(id),
            Ok(_) => {}
            Err(e) => problem = Some(bad_reference(e)),
        }
    });
    if let Some(denial) = problem {
        return Err(denial);
    }
    if streams.len() > MAX_STREAMS_PER_CHAT {
        return Err(Denial::Invalid {
            field: "messages".into(),
            message: format!(
                "a chat request may reference at most {MAX_STREAMS_PER_CHAT} streams ({} here)",
                streams.len()
            ),
        });
    }
    if streams.is_empty() && !limits.allow_external_media {
        return Err(Denial::Invalid {
            field: "messages".into(),
            message: "this gateway answers questions about your own streams only: \
                      reference one with an ovs://streams/<id> URL"
                .into(),
        });
    }
    Ok(ChatPlan {
        streams,
        streaming: request.is_streaming(),
    })
}

fn bad_reference(e: RefError) -> Denial {
    Denial::BadReference {
        code: e.code,
        message: e.message,
    }
}

fn for_each_string(value: &Value, f: &mut impl FnMut(&str)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|v| for_each_string(v, f)),
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            f(k);
            for_each_string(v, f)
        }),
        _ => {}
    }
}

/// A `GET /models` answer (`{object: "list", data: [{id, …}]}`) showing only the
/// `--allow-model` models (`None`: pass it on as it is: no allow-list, or not a list).
pub fn allowed_models_only(body: &[u8], limits: &Limits) -> Option<Vec<u8>> {
    if limits.allowed_models.is_empty() {
        return None;
    }
    let mut list: Value = serde_json::from_slice(body).ok()?;
    list.get_mut("data")?.as_array_mut()?.retain(|m| {
        m.get("id")
            .and_then(Value::as_str)
            .is_some_and(|id| limits.allowed_models.iter().any(|a| a == id))
    });
    serde_json::to_vec(&list).ok()
}

#[cfg(test)]
#[path = "v1beta_tests.rs"]
mod tests;
