//! From chat answers to the package's results: a JSON answer or the accumulated SSE
//! chunks become one [`Answer`], which maps onto the streams API's [`StreamResult`] so
//! apps see the same `onResult` shape in both generations.

use super::chat::{CacheInfo, ChatChunk, ChatCompletion, Usage};
use crate::wire::{Backend, Mode, StreamResult};

/// One complete answer: its text and metadata.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    /// The completion id (empty when a stream never sent one, §16.25).
    pub id: String,
    /// The first choice's text (empty when the model produced none).
    pub text: String,
    /// `stop`, `length`, `tool_calls`, `content_filter`, or `None`.
    pub finish_reason: Option<String>,
    /// Token counts, when sent.
    pub usage: Option<Usage>,
    /// Prompt-cache metadata, when sent.
    pub cache: Option<CacheInfo>,
}

impl Answer {
    /// The answer of a JSON `chat.completion`.
    pub fn from_completion(c: &ChatCompletion) -> Answer {
        let (text, finish_reason) = c.first_text();
        Answer {
            id: c.id.clone(),
            text: text.unwrap_or_default().to_string(),
            finish_reason: finish_reason.map(str::to_string),
            usage: c.usage,
            cache: c.overshoot.as_ref().and_then(|o| o.cache.clone()),
        }
    }

    /// The streams-API result shape for this answer. Both latencies are the request's
    /// round trip as the caller measured it (v1beta reports no model time).
    pub fn to_stream_result(&self, context: &ResultContext) -> StreamResult {
        StreamResult {
            id: self.id.clone(),
            stream_id: context.stream_id.clone(),
            mode: context.mode,
            model_backend: Backend::Overshoot,
            model_name: context.model.clone(),
            prompt: context.prompt.clone(),
            result: self.text.clone(),
            inference_latency_ms: context.latency_ms,
            total_latency_ms: context.latency_ms,
            ok: true,
            error: None,
            finish_reason: self.finish_reason.clone(),
        }
    }
}

/// What a result needs beyond the answer: which question it answers.
#[derive(Clone, Debug, PartialEq)]
pub struct ResultContext {
    /// The stream the question referenced.
    pub stream_id: String,
    /// `clip` (a `video_url`) or `frame` (an `image_url`).
    pub mode: Mode,
    /// The model asked.
    pub model: String,
    /// The question asked.
    pub prompt: String,
    /// Request round trip in ms.
    pub latency_ms: f64,
}

/// Collects SSE chunks (§10.4) into an [`Answer`], handing back each text increment
/// so a UI can show the answer as it arrives. Only the first choice is followed.
#[derive(Clone, Debug, Default)]
pub struct ChunkAccumulator {
    answer: Answer,
}

impl ChunkAccumulator {
    /// An empty accumulator.
    pub fn new() -> ChunkAccumulator {
        ChunkAccumulator::default()
    }

    /// Takes one chunk; returns its new text, if any.
    pub fn push(&mut self, chunk: ChatChunk) -> Option<String> {
        if let (true, Some(id)) = (self.answer.id.is_empty(), chunk.id) {
            self.answer.id = id;
        }
        if chunk.usage.is_some() {
            self.answer.usage = chunk.usage;
        }
        if let Some(cache) = chunk.overshoot.and_then(|o| o.cache) {
            self.answer.cache = Some(cache);
        }
        let choice = chunk
            .choices
            .into_iter()
            .find(|c| c.index.unwrap_or(0) == 0)?;
        if choice.finish_reason.is_some() {
            self.answer.finish_reason = choice.finish_reason;
        }
        let piece = choice.delta.content.filter(|t| !t.is_empty())?;
        self.answer.text.push_str(&piece);
        Some(piece)
    }

    /// The text so far.
    pub fn text(&self) -> &str {
        &self.answer.text
    }

    /// The complete answer (call after `[DONE]`).
    pub fn finish(self) -> Answer {
        self.answer
    }
}

#[cfg(test)]
mod tests {
    use super::super::chat::{ChunkChoice, Delta, OvershootMeta};
    use super::*;

    fn chunk(index: Option<u32>, text: Option<&str>, finish: Option<&str>) -> ChatChunk {
        ChatChunk {
            choices: vec![ChunkChoice {
                index,
                delta: Delta {
                    role: None,
                    content: text.map(str::to_string),
                },
                finish_reason: finish.map(str::to_string),
            }],
            ..ChatChunk::default()
        }
    }

    #[test]
    fn chunks_accumulate_into_one_answer() {
        let mut acc = ChunkAccumulator::new();
        let mut first = chunk(None, Some("Pla"), None);
        first.id = Some("c1".into());
        assert_eq!(acc.push(first).as_deref(), Some("Pla"));
        assert_eq!(acc.push(chunk(Some(1), Some("other choice"), None)), None);
        assert_eq!(
            acc.push(chunk(Some(0), Some("id robe"), None)).as_deref(),
            Some("id robe")
        );
        assert_eq!(acc.text(), "Plaid robe");
        assert_eq!(acc.push(chunk(None, None, Some("stop"))), None);
        let usage = Usage {
            prompt_tokens: 3,
            completion_tokens: 2,
            total_tokens: 5,
        };
        let last = ChatChunk {
            usage: Some(usage),
            overshoot: Some(OvershootMeta {
                cache: Some(CacheInfo::default()),
            }),
            ..ChatChunk::default()
        };
        assert_eq!(acc.push(last), None);
        let answer = acc.finish();
        assert_eq!(
            (answer.id.as_str(), answer.text.as_str()),
            ("c1", "Plaid robe")
        );
        assert_eq!(answer.finish_reason.as_deref(), Some("stop"));
        assert_eq!((answer.usage, answer.cache.is_some()), (Some(usage), true));
    }
}
