//! Reads v1beta answers (already parsed by the browser's `JSON.parse`) into the
//! protocol's types, and writes answers as the streams API's result objects. Unknown
//! fields are ignored and `null` is absent, as §6 and §16 ask; no serde in the wasm.

use super::error::SdkError;
use js_sys::{Array, Object, Reflect};
use overshoot_protocol::v1beta::answer::{Answer, ResultContext};
use overshoot_protocol::v1beta::chat::{
    CacheInfo, ChatChunk, ChunkChoice, Delta, OvershootMeta, Usage,
};
use overshoot_protocol::v1beta::errors::{
    ChatError, ChatErrorDetail, Detail, ErrorEnvelope, RegionError, ValidationIssue,
};
use overshoot_protocol::v1beta::streams::LiveKitGrant;
use overshoot_protocol::ErrorKind;
use wasm_bindgen::JsValue;

/// `value[key]`, `None` when it is `undefined` or `null` (or `value` is no object).
fn get(value: &JsValue, key: &str) -> Option<JsValue> {
    if !value.is_object() {
        return None;
    }
    Reflect::get(value, &key.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn string(value: &JsValue, key: &str) -> Option<String> {
    get(value, key).and_then(|v| v.as_string())
}

fn number(value: &JsValue, key: &str) -> Option<f64> {
    get(value, key)
        .and_then(|v| v.as_f64())
        .filter(|n| n.is_finite())
}

fn count(value: &JsValue, key: &str) -> u64 {
    number(value, key).map_or(0, |n| n.max(0.0) as u64)
}

fn malformed(what: &str, missing: &str) -> SdkError {
    SdkError::new(
        ErrorKind::Api,
        format!("malformed {what} from the server: {missing} is missing"),
    )
}

/// `publish` / `view`: `{type, url, token}`, or `None` for `null` (camera sources).
fn grant(value: &JsValue, key: &str) -> Option<LiveKitGrant> {
    let g = get(value, key)?;
    Some(LiveKitGrant {
        kind: string(&g, "type").unwrap_or_else(|| "livekit".into()),
        url: string(&g, "url")?,
        token: string(&g, "token")?,
    })
}

/// The `id` of a create answer, even one that cannot be read as a whole: that stream
/// exists, so the caller deletes it.
pub fn stream_id_of(created: &JsValue) -> Option<String> {
    string(created, "id").filter(|id| !id.is_empty())
}

/// What a session needs of the `201` create answer (§4): id, publish grant, lease.
pub struct Created {
    /// The stream id.
    pub id: String,
    /// Where to publish; `None` for a server-pulled source.
    pub publish: Option<LiveKitGrant>,
    /// The lease length.
    pub ttl_seconds: f64,
}

/// Reads a create answer; the id is required. An answer in the streams API's shape
/// (`stream_id`, §17) says which `apiUrl` the server wants.
pub fn created(value: &JsValue) -> Result<Created, SdkError> {
    if stream_id_of(value).is_none() && string(value, "stream_id").is_some() {
        return Err(SdkError::new(
            ErrorKind::Api,
            "the create-stream answer is in the streams API's shape (stream_id, no id): this server speaks the streams API; use an apiUrl that does not end in /v1beta",
        ));
    }
    Ok(Created {
        id: stream_id_of(value).ok_or_else(|| malformed("create-stream answer", "id"))?,
        publish: grant(value, "publish"),
        ttl_seconds: number(value, "ttl_seconds").unwrap_or(0.0),
    })
}

/// `ttl_seconds` and the fresh publish token of a keepalive answer (§5), each if sent.
pub fn keepalive(value: &JsValue) -> (Option<f64>, Option<String>) {
    (
        number(value, "ttl_seconds").filter(|t| *t > 0.0),
        grant(value, "publish").map(|g| g.token),
    )
}

/// Whether a `GET /streams/{id}` answer reports an ingested frame (`last_frame_at_ms`
/// set: §14's cheapest "wait for ingest" check).
pub fn has_frames(status: &JsValue) -> bool {
    number(status, "last_frame_at_ms").is_some()
}

/// The `end_reason` of an `ended` stream (`expired` when the server gave none).
pub fn ended(status: &JsValue) -> Option<String> {
    (string(status, "state").as_deref() == Some("ended"))
        .then(|| string(status, "end_reason").unwrap_or_else(|| "expired".into()))
}

fn usage(value: &JsValue) -> Option<Usage> {
    let u = get(value, "usage")?;
    Some(Usage {
        prompt_tokens: count(&u, "prompt_tokens"),
        completion_tokens: count(&u, "completion_tokens"),
        total_tokens: count(&u, "total_tokens"),
    })
}

fn overshoot(value: &JsValue) -> Option<OvershootMeta> {
    let cache = get(&get(value, "overshoot")?, "cache")?;
    Some(OvershootMeta {
        cache: Some(CacheInfo {
            thread_id: string(&cache, "thread_id"),
            cache_hit: get(&cache, "cache_hit").and_then(|v| v.as_bool()) == Some(true),
            cached_input_tokens: count(&cache, "cached_input_tokens"),
        }),
    })
}

fn first_choice(value: &JsValue) -> Option<JsValue> {
    get(value, "choices")
        .filter(Array::is_array)
        .map(|c| Array::from(&c).get(0))
        .filter(|c| c.is_object())
}

/// A JSON `chat.completion` (§10.3) as one answer; `choices` is required.
pub fn completion(value: &JsValue) -> Result<Answer, SdkError> {
    let choice = first_choice(value).ok_or_else(|| malformed("chat answer", "choices[0]"))?;
    Ok(Answer {
        id: string(value, "id").unwrap_or_default(),
        text: get(&choice, "message")
            .and_then(|m| string(&m, "content"))
            .unwrap_or_default(),
        finish_reason: string(&choice, "finish_reason"),
        usage: usage(value),
        cache: overshoot(value).and_then(|o| o.cache),
    })
}

/// One SSE chunk (§10.4); only the first choice is read, and nothing is required
/// (§16.25).
pub fn chunk(value: &JsValue) -> ChatChunk {
    let choices = first_choice(value)
        .map(|c| {
            vec![ChunkChoice {
                index: number(&c, "index").map(|i| i as u32),
                delta: Delta {
                    role: None,
                    content: get(&c, "delta").and_then(|d| string(&d, "content")),
                },
                finish_reason: string(&c, "finish_reason"),
            }]
        })
        .unwrap_or_default();
    ChatChunk {
        id: string(value, "id"),
        choices,
        usage: usage(value),
        overshoot: overshoot(value),
        ..ChatChunk::default()
    }
}

fn issues(list: &JsValue) -> Vec<ValidationIssue> {
    Array::from(list)
        .iter()
        .map(|i| ValidationIssue {
            loc: Vec::new(),
            msg: string(&i, "msg").unwrap_or_default(),
            kind: string(&i, "type").unwrap_or_default(),
        })
        .collect()
}

/// Any documented error body (§10.6, §17 point 9) as an envelope: `detail` as a string,
/// `detail.error` as an object or as `"region_error"`, `detail` as FastAPI's issue list,
/// or a top-level `error` string.
pub fn envelope(value: &JsValue) -> ErrorEnvelope {
    let detail = get(value, "detail").and_then(|d| {
        if let Some(text) = d.as_string() {
            return Some(Detail::Text(text));
        }
        if Array::is_array(&d) {
            return Some(Detail::Issues(issues(&d)));
        }
        let error = get(&d, "error")?;
        Some(match error.as_string() {
            Some(code) => Detail::Region(RegionError {
                error: code,
                expected_region: string(&d, "expected_region"),
                requested_region: string(&d, "requested_region"),
            }),
            None => Detail::Chat(ChatErrorDetail {
                error: ChatError {
                    message: string(&error, "message").unwrap_or_default(),
                    kind: string(&error, "type").unwrap_or_default(),
                    code: string(&error, "code")?,
                    upstream: None,
                },
            }),
        })
    });
    ErrorEnvelope {
        detail,
        error: string(value, "error"),
        message: string(value, "message"),
        details: get(value, "details")
            .filter(Array::is_array)
            .map(|d| issues(&d)),
    }
}

fn set(object: &Object, key: &str, value: &JsValue) {
    // Cannot fail on a fresh plain object.
    let _ = Reflect::set(object, &key.into(), value);
}

fn optional(text: Option<&str>) -> JsValue {
    text.map_or(JsValue::NULL, JsValue::from_str)
}

/// `usage` as a JS object.
pub fn usage_object(u: Usage) -> JsValue {
    let usage = Object::new();
    set(&usage, "prompt_tokens", &(u.prompt_tokens as f64).into());
    set(
        &usage,
        "completion_tokens",
        &(u.completion_tokens as f64).into(),
    );
    set(&usage, "total_tokens", &(u.total_tokens as f64).into());
    usage.into()
}

/// The streams API's result object for `answer` (same fields as a socket result), plus
/// `usage`; `partial: true` with the text so far while a streamed answer arrives.
pub fn result_object(answer: &Answer, context: &ResultContext, partial: bool) -> JsValue {
    let r = answer.to_stream_result(context);
    let o = Object::new();
    set(&o, "id", &r.id.into());
    set(&o, "stream_id", &r.stream_id.into());
    set(&o, "mode", &r.mode.name().into());
    set(&o, "model_backend", &r.model_backend.name().into());
    set(&o, "model_name", &r.model_name.into());
    set(&o, "prompt", &r.prompt.into());
    set(&o, "result", &r.result.into());
    set(&o, "inference_latency_ms", &r.inference_latency_ms.into());
    set(&o, "total_latency_ms", &r.total_latency_ms.into());
    set(&o, "ok", &JsValue::TRUE);
    set(&o, "error", &JsValue::NULL);
    set(&o, "finish_reason", &optional(r.finish_reason.as_deref()));
    set(
        &o,
        "usage",
        &answer.usage.map_or(JsValue::NULL, usage_object),
    );
    if partial {
        set(&o, "partial", &JsValue::TRUE);
    }
    o.into()
}

/// The result object of a periodic question that failed but leaves the session going
/// (`ok: false`, the error's text in `error`, its code in `error_code`).
pub fn failed_result_object(error: &SdkError, context: &ResultContext) -> JsValue {
    let o = result_object(&Answer::default(), context, false);
    let o = Object::from(o);
    set(&o, "ok", &JsValue::FALSE);
    set(&o, "error", &error.message.as_str().into());
    set(&o, "error_code", &optional(error.code.as_deref()));
    set(&o, "finish_reason", &JsValue::NULL);
    o.into()
}
