//! The `POST /chat/completions` body as a [`Json`] field tree, for the browser, which
//! builds JSON with `JSON.stringify` instead of a serde serializer (see `crate::body`).
//! The tree is exactly what serde writes for [`ChatRequest`]: a native test compares them.

use super::chat::{ChatRequest, Content, ContentPart, Message, ResponseFormat, StreamOptions};
use crate::body::{object, Json};

fn part<S>(part: &ContentPart) -> Json<'_, S> {
    let (kind, key, value) = match part {
        ContentPart::Text { text } => ("text", "text", Json::Str(text.as_str())),
        ContentPart::ImageUrl { image_url } => (
            "image_url",
            "image_url",
            object([("url", Some(Json::Str(image_url.url.as_str())))]),
        ),
        ContentPart::VideoUrl { video_url } => (
            "video_url",
            "video_url",
            object([("url", Some(Json::Str(video_url.url.as_str())))]),
        ),
    };
    object([("type", Some(Json::Str(kind))), (key, Some(value))])
}

fn message<S>(m: &Message) -> Json<'_, S> {
    let content = match &m.content {
        None => None,
        Some(Content::Text(text)) => Some(Json::Str(text.as_str())),
        Some(Content::Parts(parts)) => Some(Json::Arr(parts.iter().map(part).collect())),
    };
    // serde writes `content: null` for `None` (no skip attribute): an absent value here.
    object([
        ("role", Some(Json::Str(m.role.as_str()))),
        ("content", content),
    ])
}

fn response_format<S>(f: &ResponseFormat<S>) -> Json<'_, S> {
    match f {
        ResponseFormat::Text => object([("type", Some(Json::Str("text")))]),
        ResponseFormat::JsonObject => object([("type", Some(Json::Str("json_object")))]),
        ResponseFormat::JsonSchema { json_schema } => object([
            ("type", Some(Json::Str("json_schema"))),
            (
                "json_schema",
                Some(object([
                    ("name", Some(Json::Str(json_schema.name.as_str()))),
                    ("schema", Some(Json::Schema(&json_schema.schema))),
                    ("strict", json_schema.strict.map(Json::Bool)),
                ])),
            ),
        ]),
    }
}

fn stream_options<S>(o: &StreamOptions) -> Json<'_, S> {
    object([("include_usage", o.include_usage.map(Json::Bool))])
}

impl<S> ChatRequest<S> {
    /// The body as a field tree (see the module docs).
    pub fn to_json(&self) -> Json<'_, S> {
        let count = |n: Option<u32>| n.map(|n| Json::Num(f64::from(n)));
        object([
            ("model", Some(Json::Str(self.model.as_str()))),
            (
                "messages",
                Some(Json::Arr(self.messages.iter().map(message).collect())),
            ),
            ("max_completion_tokens", count(self.max_completion_tokens)),
            ("max_tokens", count(self.max_tokens)),
            (
                "response_format",
                self.response_format.as_ref().map(response_format),
            ),
            ("stream", self.stream.map(Json::Bool)),
            (
                "stream_options",
                self.stream_options.as_ref().map(stream_options),
            ),
            ("thread_id", self.thread_id.as_deref().map(Json::Str)),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::super::question::{Media, Question};
    use crate::body::tests::{numbers_as_f64, to_value};
    use serde_json::{json, Value};

    fn same_as_serde(question: Question<'_, Value>) {
        let request = question.into_request();
        let mut serde = serde_json::to_value(&request).unwrap();
        // serde writes `content: null` for a message without content; JSON readers
        // treat absent and null alike (§10.1), the tree leaves it out.
        if let Some(messages) = serde["messages"].as_array_mut() {
            for m in messages {
                if let Some(o) = m.as_object_mut() {
                    o.retain(|_, v| !v.is_null());
                }
            }
        }
        let ours = numbers_as_f64(to_value(&request.to_json()));
        assert_eq!(ours, numbers_as_f64(serde));
    }

    #[test]
    fn clip_question_with_every_option_matches_serde() {
        same_as_serde(Question {
            stream_id: "2ea5a604-d225-4cd2-82ac-b907cb0b4f63",
            model: "Qwen/Qwen3.6-27B-FP8",
            prompt: "say \"hi\"\n",
            media: Media::Clip {
                seconds: 0.5,
                fps: 6.0,
            },
            output_schema: Some(json!({"type": "object", "required": ["a"], "n": [1, null]})),
            max_output_tokens: Some(64),
            thread_id: Some("t-1"),
            stream: true,
        });
    }

    #[test]
    fn bare_frame_question_matches_serde() {
        same_as_serde(Question {
            stream_id: "s",
            model: "m",
            prompt: "what colour?",
            media: Media::Frame,
            output_schema: None,
            max_output_tokens: None,
            thread_id: None,
            stream: false,
        });
    }
}
