//! Splitting a `text/event-stream` body into events (§10.4: `data: <JSON>` events ended
//! by a blank line, the stream by `data: [DONE]`). Bytes may arrive cut anywhere; the
//! decoder buffers until an event is complete.

/// One complete event of a chat stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SseEvent {
    /// The JSON text of one chunk (multi-line `data:` joined with `\n`).
    Data(String),
    /// `data: [DONE]`: the answer is complete.
    Done,
}

/// Incremental SSE decoder: feed text as it arrives, collect the complete events.
#[derive(Clone, Debug, Default)]
pub struct SseDecoder {
    line: String,
    data: Option<String>,
}

impl SseDecoder {
    /// An empty decoder.
    pub fn new() -> SseDecoder {
        SseDecoder::default()
    }

    /// Consumes `text` and returns the events it completed, in order. Comments
    /// (`: …`) and fields other than `data` are skipped, as the SSE standard says.
    pub fn push(&mut self, text: &str) -> Vec<SseEvent> {
        let mut events = Vec::new();
        for ch in text.chars() {
            if ch != '\n' {
                self.line.push(ch);
                continue;
            }
            let line = std::mem::take(&mut self.line);
            let line = line.strip_suffix('\r').unwrap_or(&line);
            if line.is_empty() {
                if let Some(data) = self.data.take() {
                    events.push(if data == "[DONE]" {
                        SseEvent::Done
                    } else {
                        SseEvent::Data(data)
                    });
                }
            } else if let Some(value) = field_value(line, "data") {
                match &mut self.data {
                    Some(data) => {
                        data.push('\n');
                        data.push_str(value);
                    }
                    None => self.data = Some(value.to_string()),
                }
            }
        }
        events
    }
}

/// The value of `field: value` (one optional space after the colon), or `None`.
fn field_value<'a>(line: &'a str, field: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(field)?;
    if rest.is_empty() {
        return Some("");
    }
    let value = rest.strip_prefix(':')?;
    Some(value.strip_prefix(' ').unwrap_or(value))
}

/// Encodes one chunk as an SSE event (what the emulator writes).
pub fn encode_data(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 8);
    for line in json.split('\n') {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    out
}

/// The event that ends a chat stream.
pub const DONE_EVENT: &str = "data: [DONE]\n\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_cut_anywhere_come_out_whole_and_in_order() {
        let body = format!(
            ": keep-alive\r\n{}{}event: x\nid: 7\n\n{}",
            encode_data("{\"a\":1}"),
            encode_data("{\"b\":\n2}"),
            DONE_EVENT
        );
        for cut in 0..body.len() {
            let mut decoder = SseDecoder::new();
            let mut events = decoder.push(&body[..cut]);
            events.extend(decoder.push(&body[cut..]));
            assert_eq!(
                events,
                vec![
                    SseEvent::Data("{\"a\":1}".into()),
                    SseEvent::Data("{\"b\":\n2}".into()),
                    SseEvent::Done
                ],
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn an_unfinished_event_is_held_back() {
        let mut decoder = SseDecoder::new();
        assert!(decoder.push("data: {}\n").is_empty());
        assert_eq!(decoder.push("\n"), vec![SseEvent::Data("{}".into())]);
        assert_eq!(decoder.push("data:[DONE]\n\n"), vec![SseEvent::Done]);
    }
}
