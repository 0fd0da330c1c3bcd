//! Wire types of `POST /chat/completions` (§10): the OpenAI-compatible request, its
//! JSON answer and its SSE chunks. Unknown fields are ignored when reading.
//!
//! Like the streams-API types, the request is generic over the JSON-schema payload `S`
//! (a JS object in the browser, `serde_json::Value` on servers).

use super::reference::RefError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// `messages[].content`: a plain string or an array of parts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Content {
    /// Text only.
    Text(String),
    /// Interleaved text and media parts.
    Parts(Vec<ContentPart>),
}

/// `{url}` of an `image_url` or `video_url` part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaUrl {
    /// An `ovs://` reference, an `https://` URL or a `data:` URL.
    pub url: String,
}

/// One content part (§10.2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    /// `{"type": "text", "text"}`.
    Text {
        /// The text.
        text: String,
    },
    /// `{"type": "image_url", "image_url": {"url"}}`: one frame.
    ImageUrl {
        /// The frame's URL.
        image_url: MediaUrl,
    },
    /// `{"type": "video_url", "video_url": {"url"}}`: a clip.
    VideoUrl {
        /// The clip's URL.
        video_url: MediaUrl,
    },
}

/// One entry of `messages`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `system`, `user`, `assistant` or `tool` (checked by validation, not parsing).
    pub role: String,
    /// The content; `null` is allowed for assistant tool-call turns.
    #[serde(default)]
    pub content: Option<Content>,
}

impl Message {
    /// A user message made of `parts`.
    pub fn user(parts: Vec<ContentPart>) -> Message {
        Message {
            role: "user".into(),
            content: Some(Content::Parts(parts)),
        }
    }
}

/// `response_format.json_schema`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "S: Deserialize<'de>"))]
pub struct JsonSchemaFormat<S> {
    /// Schema name (OpenAI requires one).
    pub name: String,
    /// The JSON Schema itself.
    pub schema: S,
    /// OpenAI's strict flag, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
}

/// `response_format` in its OpenAI shapes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[serde(bound(deserialize = "S: Deserialize<'de>"))]
pub enum ResponseFormat<S> {
    /// Plain text.
    Text,
    /// Any JSON object.
    JsonObject,
    /// JSON matching a schema.
    JsonSchema {
        /// The schema and its name.
        json_schema: JsonSchemaFormat<S>,
    },
}

/// `stream_options`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamOptions {
    /// Adds a final chunk carrying `usage` and the cache metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_usage: Option<bool>,
}

/// Body of `POST /chat/completions` (§10.1). Optional fields are omitted when absent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "S: Deserialize<'de>"))]
pub struct ChatRequest<S> {
    /// A model id from `GET /models`.
    pub model: String,
    /// The conversation.
    pub messages: Vec<Message>,
    /// Output token cap (OpenAI's preferred name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_completion_tokens: Option<u32>,
    /// Legacy alias of `max_completion_tokens`; use one or the other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Structured output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<ResponseFormat<S>>,
    /// `true` switches the answer to SSE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Streaming options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    /// Prompt-cache key, one per conversation (§10.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
}

impl<S> ChatRequest<S> {
    /// Whether the answer will be SSE.
    pub fn is_streaming(&self) -> bool {
        self.stream == Some(true)
    }

    /// The output cap, whichever name carried it.
    pub fn output_cap(&self) -> Option<u32> {
        self.max_completion_tokens.or(self.max_tokens)
    }
}

impl<S> ChatRequest<S> {
    /// Every stream the request's media parts reference, in order of appearance, each
    /// once (see [`MediaPart::of`](super::media::MediaPart::of)); other URLs (`https:`, `data:`) name no stream.
    /// The first malformed reference fails the whole request, as the server answers it.
    pub fn referenced_streams(&self) -> Result<Vec<String>, RefError> {
        let mut seen = BTreeSet::new();
        let mut ids = Vec::new();
        for part in self.media_parts()? {
            if let Some(id) = part.stream_id() {
                if seen.insert(id.to_string()) {
                    ids.push(id.to_string());
                }
            }
        }
        Ok(ids)
    }
}

/// `usage` of an answer or final chunk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Input tokens, visual tokens included.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Output tokens.
    #[serde(default)]
    pub completion_tokens: u64,
    /// Their sum.
    #[serde(default)]
    pub total_tokens: u64,
}

/// `overshoot.cache`: prompt-cache observability.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheInfo {
    /// The request's `thread_id`, or `null`.
    #[serde(default)]
    pub thread_id: Option<String>,
    /// Whether cached prompt tokens were reported.
    #[serde(default)]
    pub cache_hit: bool,
    /// How many.
    #[serde(default)]
    pub cached_input_tokens: u64,
}

/// `overshoot`: Overshoot's extension object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OvershootMeta {
    /// Cache metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheInfo>,
}

/// `choices[].message` of a JSON answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerMessage {
    /// Always `assistant`.
    pub role: String,
    /// The text; `null` when the model produced only tool calls.
    #[serde(default)]
    pub content: Option<String>,
}

/// One `choices[]` entry of a JSON answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// Position in `choices`.
    pub index: u32,
    /// The answer.
    pub message: AnswerMessage,
    /// `stop`, `length`, `tool_calls`, `content_filter` or `null`.
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// `200` JSON answer: `chat.completion` (§10.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatCompletion {
    /// Differs on every call.
    pub id: String,
    /// Always `chat.completion`.
    pub object: String,
    /// Unix seconds.
    pub created: i64,
    /// The request's model.
    pub model: String,
    /// The answers.
    pub choices: Vec<Choice>,
    /// Token counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Cache metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overshoot: Option<OvershootMeta>,
}

impl ChatCompletion {
    /// The first choice's text and finish reason, the common single-answer case.
    pub fn first_text(&self) -> (Option<&str>, Option<&str>) {
        self.choices.first().map_or((None, None), |c| {
            (c.message.content.as_deref(), c.finish_reason.as_deref())
        })
    }
}

/// `choices[].delta` of a chunk.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delta {
    /// Set on (at least) one chunk; which one is not documented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The next piece of text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// One `choices[]` entry of a chunk. `index` is not in Overshoot's schema (§16.25).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkChoice {
    /// Position in `choices`, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    /// The increment.
    #[serde(default)]
    pub delta: Delta,
    /// Set on the last content chunk.
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// One SSE `data:` chunk (§10.4). Overshoot's schema omits OpenAI's `id`, `object`,
/// `created` and `model` (§16.25): readers must not require them, writers send them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatChunk {
    /// OpenAI's chunk id, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `chat.completion.chunk`, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Unix seconds, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    /// The model, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The increments (empty on a usage-only final chunk).
    #[serde(default)]
    pub choices: Vec<ChunkChoice>,
    /// Token counts, on the final chunk with `include_usage`.
    #[serde(default)]
    pub usage: Option<Usage>,
    /// Cache metadata, with `usage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overshoot: Option<OvershootMeta>,
}
