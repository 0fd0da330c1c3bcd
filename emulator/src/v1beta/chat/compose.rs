//! The "model" of `/chat/completions`: what the referenced frames show, as a
//! `chat.completion` or as SSE chunks (§10.3, §10.4), with token counts.

use overshoot_protocol::v1beta::chat::{
    AnswerMessage, CacheInfo, ChatChunk, ChatCompletion, Choice, ChunkChoice, Delta, OvershootMeta,
    Usage,
};
use overshoot_protocol::v1beta::sse::{encode_data, DONE_EVENT};

use crate::peer::frames::clip_of;
use crate::peer::{ClipStats, FrameRecord};

/// What one media part showed.
#[derive(Clone, Debug, PartialEq)]
pub enum Seen {
    /// The frames an `ovs://` reference resolved to (never empty).
    Frames(Vec<FrameRecord>),
    /// A URL the emulator does not fetch.
    External,
}

/// Visual tokens of one frame: about `(W×H)/2048`, as §13 gives for Qwen.
pub fn frame_tokens(f: &FrameRecord) -> u64 {
    (u64::from(f.width) * u64::from(f.height))
        .div_ceil(2048)
        .max(1)
}

/// Tokens counted for a URL the emulator does not fetch.
const EXTERNAL_TOKENS: u64 = 256;

/// The statistics of every referenced frame together.
pub fn overall(seen: &[Seen]) -> ClipStats {
    clip_of(seen.iter().flat_map(|s| match s {
        Seen::Frames(f) => f.as_slice(),
        Seen::External => &[],
    }))
}

/// The plain-text answer: per media part, the colour name, mean RGB, frame count and
/// size, joined by `; `.
pub fn describe(seen: &[Seen]) -> String {
    if seen.is_empty() {
        return "No frames were referenced.".into();
    }
    let parts: Vec<String> = seen
        .iter()
        .map(|s| match s {
            Seen::Frames(frames) => describe_clip(&clip_of(frames)),
            Seen::External => "an external URL (the emulator does not fetch it)".into(),
        })
        .collect();
    parts.join("; ")
}

/// `red: mean RGB (230, 20, 20) over 12 frames at 640x480`.
pub fn describe_clip(clip: &ClipStats) -> String {
    let [r, g, b] = clip.mean_rgb;
    format!(
        "{}: mean RGB ({r}, {g}, {b}) over {} frames at {}x{}",
        crate::model::colour_name(clip.mean_rgb),
        clip.frames,
        clip.width,
        clip.height
    )
}

/// The `json_object` answer: the observation as a JSON object.
pub fn observation_json(clip: &ClipStats) -> String {
    serde_json::json!({
        "colour": crate::model::colour_name(clip.mean_rgb),
        "mean_rgb": clip.mean_rgb,
        "frames": clip.frames,
        "width": clip.width,
        "height": clip.height,
    })
    .to_string()
}

/// The answer's pieces (one "token" each): words with the whitespace after them, so
/// they concatenate back to the text.
pub fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    for (i, ch) in text.char_indices() {
        if ch.is_whitespace() {
            in_space = true;
        } else if in_space {
            out.push(&text[start..i]);
            start = i;
            in_space = false;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// One complete answer before it is put on the wire.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The pieces of the text, cut to the output cap.
    pub pieces: Vec<String>,
    /// `stop`, or `length` when the cap cut it.
    pub finish_reason: &'static str,
    /// Token counts.
    pub usage: Usage,
}

impl Answer {
    /// `content` cut to `cap` pieces; `prompt_tokens` counted by the caller.
    pub fn new(content: &str, cap: Option<u32>, prompt_tokens: u64) -> Answer {
        let all = pieces(content);
        let keep = cap.map_or(all.len(), |c| all.len().min(c as usize));
        let completion_tokens = keep as u64;
        Answer {
            finish_reason: if keep < all.len() { "length" } else { "stop" },
            pieces: all[..keep].iter().map(|p| p.to_string()).collect(),
            usage: Usage {
                prompt_tokens,
                completion_tokens,
                total_tokens: prompt_tokens + completion_tokens,
            },
        }
    }

    /// The answer's text.
    pub fn text(&self) -> String {
        self.pieces.concat()
    }
}

/// Prompt tokens: a token per 4 bytes of text plus the frames' visual tokens.
pub fn prompt_tokens(text_len: usize, seen: &[Seen]) -> u64 {
    let visual: u64 = seen
        .iter()
        .map(|s| match s {
            Seen::Frames(frames) => frames.iter().map(frame_tokens).sum(),
            Seen::External => EXTERNAL_TOKENS,
        })
        .sum();
    (text_len as u64).div_ceil(4) + visual
}

/// Who the answer is for: the ids and metadata every wire form carries.
#[derive(Clone, Debug)]
pub struct Envelope {
    /// `chatcmpl-…`, new for every call.
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// The request's model.
    pub model: String,
    /// `overshoot.cache`.
    pub cache: CacheInfo,
}

/// The `chat.completion` JSON answer.
pub fn completion(env: &Envelope, answer: &Answer) -> ChatCompletion {
    ChatCompletion {
        id: env.id.clone(),
        object: "chat.completion".into(),
        created: env.created,
        model: env.model.clone(),
        choices: vec![Choice {
            index: 0,
            message: AnswerMessage {
                role: "assistant".into(),
                content: Some(answer.text()),
            },
            finish_reason: Some(answer.finish_reason.into()),
        }],
        usage: Some(answer.usage),
        overshoot: Some(OvershootMeta {
            cache: Some(env.cache.clone()),
        }),
    }
}

/// How the SSE chunks are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SseForm {
    /// A final chunk with `usage` and the cache (`stream_options.include_usage`).
    pub include_usage: bool,
    /// OpenAI's `id`, `object`, `created`, `model` and `index`, which Overshoot's chunk
    /// schema leaves out (§16.25).
    pub openai_fields: bool,
}

/// The SSE events of the answer, `[DONE]` last: the role, one chunk per piece, the
/// finish reason, and with `include_usage` a final chunk with `usage` and the cache.
pub fn sse_events(env: &Envelope, answer: &Answer, form: SseForm) -> Vec<String> {
    let openai = form.openai_fields;
    let chunk = |choices: Vec<ChunkChoice>| ChatChunk {
        id: openai.then(|| env.id.clone()),
        object: openai.then(|| "chat.completion.chunk".into()),
        created: openai.then_some(env.created),
        model: openai.then(|| env.model.clone()),
        choices,
        usage: None,
        overshoot: None,
    };
    let choice = |delta: Delta, finish: Option<&str>| ChunkChoice {
        index: openai.then_some(0),
        delta,
        finish_reason: finish.map(str::to_string),
    };
    let mut chunks = vec![chunk(vec![choice(
        Delta {
            role: Some("assistant".into()),
            content: Some(String::new()),
        },
        None,
    )])];
    for piece in &answer.pieces {
        let delta = Delta {
            role: None,
            content: Some(piece.clone()),
        };
        chunks.push(chunk(vec![choice(delta, None)]));
    }
    chunks.push(chunk(vec![choice(
        Delta::default(),
        Some(answer.finish_reason),
    )]));
    if form.include_usage {
        let mut last = chunk(Vec::new());
        last.usage = Some(answer.usage);
        last.overshoot = Some(OvershootMeta {
            cache: Some(env.cache.clone()),
        });
        chunks.push(last);
    }
    let mut events: Vec<String> = chunks
        .iter()
        .filter_map(|c| serde_json::to_string(c).ok())
        .map(|json| encode_data(&json))
        .collect();
    events.push(DONE_EVENT.to_string());
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use overshoot_protocol::v1beta::answer::ChunkAccumulator;
    use overshoot_protocol::v1beta::sse::{SseDecoder, SseEvent};

    fn red(n: i64) -> Vec<FrameRecord> {
        (0..n)
            .map(|i| FrameRecord {
                index: i,
                at_ms: i * 100,
                width: 640,
                height: 480,
                mean_rgb: [230.0, 20.0, 20.0],
            })
            .collect()
    }

    #[test]
    fn the_answer_names_colour_count_and_size() {
        let seen = [Seen::Frames(red(1)), Seen::Frames(red(12))];
        assert_eq!(
            describe(&seen),
            "red: mean RGB (230, 20, 20) over 1 frames at 640x480; red: mean RGB (230, 20, 20) over 12 frames at 640x480"
        );
        assert_eq!(overall(&seen).frames, 13);
        assert_eq!(describe(&[]), "No frames were referenced.");
        // 640x480/2048 = 150 tokens a frame, plus 2 for 8 bytes of text.
        assert_eq!(prompt_tokens(8, &seen[..1]), 152);
    }

    #[test]
    fn pieces_concatenate_back_and_the_cap_cuts() {
        let text = "red: mean  RGB (1, 2, 3)\n";
        assert_eq!(pieces(text).concat(), text);
        assert_eq!(pieces(text).len(), 6);
        let full = Answer::new(text, None, 10);
        assert_eq!((full.finish_reason, full.usage.total_tokens), ("stop", 16));
        let cut = Answer::new(text, Some(2), 10);
        assert_eq!(
            (cut.text().as_str(), cut.finish_reason),
            ("red: mean  ", "length")
        );
    }

    #[test]
    fn sse_events_decode_back_into_the_same_answer() {
        let env = Envelope {
            id: "chatcmpl-1".into(),
            created: 1,
            model: "m".into(),
            cache: CacheInfo::default(),
        };
        let answer = Answer::new("red: mean RGB (230, 20, 20)", None, 5);
        let bare = SseForm {
            include_usage: false,
            openai_fields: false,
        };
        let first = sse_events(&env, &answer, bare).remove(0);
        assert_eq!(
            first,
            "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n"
        );
        let form = SseForm {
            include_usage: true,
            openai_fields: true,
        };
        let events = sse_events(&env, &answer, form);
        assert!(events.len() >= 6, "{events:?}");
        let mut decoder = SseDecoder::new();
        let mut acc = ChunkAccumulator::new();
        let mut done = false;
        for event in decoder.push(&events.concat()) {
            match event {
                SseEvent::Data(json) => {
                    acc.push(serde_json::from_str(&json).unwrap());
                }
                SseEvent::Done => done = true,
            }
        }
        let got = acc.finish();
        assert!(done);
        assert_eq!(got.text, answer.text());
        assert_eq!(got.finish_reason.as_deref(), Some("stop"));
        assert_eq!(got.usage, Some(answer.usage));
        let json = completion(&env, &answer);
        assert_eq!(
            json.first_text(),
            (Some(answer.text().as_str()), Some("stop"))
        );
    }
}
