//! The chat request the package sends for one question about its own stream (clip mode,
//! frame mode, `ask()`): the app's options mapped onto §10 in one place.

use super::chat::{
    ChatRequest, ContentPart, JsonSchemaFormat, MediaUrl, Message, ResponseFormat, StreamOptions,
};
use super::reference::{ClipRef, FrameRef};
use crate::wire::{Mode, Processing, DEFAULT_CLIP_LENGTH_SECONDS};

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

impl Media {
    /// What the periodic question of a session with `processing` in `mode` looks at:
    /// frame mode the newest frame, clip mode the last `clip_length_seconds` sampled at
    /// the streams API's rate (`target_fps`, or `fps × sampling_ratio`), defaults applied.
    pub fn periodic(mode: Mode, processing: &Processing) -> Media {
        match mode {
            Mode::Frame => Media::Frame,
            Mode::Clip => Media::Clip {
                seconds: processing
                    .clip_length_seconds
                    .unwrap_or(DEFAULT_CLIP_LENGTH_SECONDS),
                fps: processing.sampled_fps(mode),
            },
        }
    }

    /// The result mode this media reports (`clip` or `frame`).
    pub fn mode(self) -> Mode {
        match self {
            Media::Frame => Mode::Frame,
            Media::Clip { .. } => Mode::Clip,
        }
    }
}

/// How long to wait before the next periodic question, once the previous answer has
/// arrived `elapsed_ms` after that question was sent: questions start every
/// `interval_seconds` (`delay_seconds` or `interval_seconds`, as the streams API's
/// results), but never more than one is in flight, so a slow answer delays the next
/// instead of piling questions up.
pub fn next_question_delay_ms(interval_seconds: f64, elapsed_ms: f64) -> u32 {
    let interval_ms = if interval_seconds.is_finite() {
        interval_seconds.max(0.0) * 1000.0
    } else {
        0.0
    };
    let elapsed_ms = if elapsed_ms.is_finite() {
        elapsed_ms.max(0.0)
    } else {
        0.0
    };
    (interval_ms - elapsed_ms).clamp(0.0, f64::from(u32::MAX)) as u32
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periodic_media_follows_the_mode_and_the_streams_api_defaults() {
        assert_eq!(
            Media::periodic(Mode::Frame, &Processing::default()),
            Media::Frame
        );
        assert_eq!(
            Media::periodic(Mode::Clip, &Processing::default()),
            Media::Clip {
                seconds: 0.5,
                fps: 6.0
            }
        );
        let p = Processing {
            fps: Some(30.0),
            sampling_ratio: Some(0.1),
            clip_length_seconds: Some(2.0),
            ..Processing::default()
        };
        assert_eq!(
            Media::periodic(Mode::Clip, &p),
            Media::Clip {
                seconds: 2.0,
                fps: 3.0
            }
        );
        assert_eq!(Media::periodic(Mode::Clip, &p).mode(), Mode::Clip);
    }

    #[test]
    fn a_slow_answer_delays_the_next_question_instead_of_piling_up() {
        assert_eq!(next_question_delay_ms(0.5, 100.0), 400);
        assert_eq!(next_question_delay_ms(0.5, 500.0), 0);
        assert_eq!(next_question_delay_ms(0.5, 4_000.0), 0);
        assert_eq!(next_question_delay_ms(f64::NAN, 10.0), 0);
        assert_eq!(next_question_delay_ms(1.0, f64::NAN), 1_000);
    }
}
