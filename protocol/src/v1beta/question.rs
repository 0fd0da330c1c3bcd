//! The chat request the package sends for one question about its own stream (clip mode,
//! frame mode, `ask()`): the app's options mapped onto §10 in one place.

use super::chat::{
    ChatRequest, ContentPart, JsonSchemaFormat, MediaUrl, Message, ResponseFormat, StreamOptions,
};
use super::reference::{ClipRef, FrameRef};

/// The `response_format.json_schema.name` the package uses for an `outputSchema`.
pub const SCHEMA_NAME: &str = "output";

/// What the question looks at.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Media {
    /// The newest frame (`image_url`, `frame_index=-1`).
    Frame,
    /// The last `seconds` at `fps` (`video_url`, `start_offset_ms=-…&max_fps=…`).
    Clip {
        /// Clip length (`clip_length_seconds`, `ask(…, {clipSeconds})`).
        seconds: f64,
        /// Sampling rate (`target_fps`).
        fps: f64,
    },
}

/// One question about a stream, with the app's options.
#[derive(Clone, Debug, PartialEq)]
pub struct Question<'a, S> {
    /// The stream asked about.
    pub stream_id: &'a str,
    /// The model id.
    pub model: &'a str,
    /// The prompt text.
    pub prompt: &'a str,
    /// Frame or clip.
    pub media: Media,
    /// `outputSchema`: becomes `response_format` json_schema.
    pub output_schema: Option<S>,
    /// `maxOutputTokens`: becomes `max_completion_tokens`.
    pub max_output_tokens: Option<u32>,
    /// The session's prompt-cache key, the same for every question of a session.
    pub thread_id: Option<&'a str>,
    /// Stream the answer as SSE (with a final usage chunk).
    pub stream: bool,
}

impl<S> Question<'_, S> {
    /// The `POST /chat/completions` body: one user message, the prompt text first,
    /// then the media reference.
    pub fn into_request(self) -> ChatRequest<S> {
        let media = match self.media {
            Media::Frame => ContentPart::ImageUrl {
                image_url: MediaUrl {
                    url: FrameRef::latest(self.stream_id).to_url(),
                },
            },
            Media::Clip { seconds, fps } => ContentPart::VideoUrl {
                video_url: MediaUrl {
                    url: ClipRef::last_seconds(self.stream_id, seconds, fps).to_url(),
                },
            },
        };
        let text = ContentPart::Text {
            text: self.prompt.to_string(),
        };
        ChatRequest {
            model: self.model.to_string(),
            messages: vec![Message::user(vec![text, media])],
            max_completion_tokens: self.max_output_tokens,
            max_tokens: None,
            response_format: self.output_schema.map(|schema| ResponseFormat::JsonSchema {
                json_schema: JsonSchemaFormat {
                    name: SCHEMA_NAME.to_string(),
                    schema,
                    strict: None,
                },
            }),
            stream: self.stream.then_some(true),
            stream_options: self.stream.then_some(StreamOptions {
                include_usage: Some(true),
            }),
            thread_id: self.thread_id.map(str::to_string),
        }
    }
}
