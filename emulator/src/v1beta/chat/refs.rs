//! The media parts of a chat request and their resolution over a stream's frame
//! store, with protocol's §9.3 resolver. Pure: the caller passes the frame store and
//! the clock.

use overshoot_protocol::v1beta::chat::{ChatRequest, Content, ContentPart};
use overshoot_protocol::v1beta::errors::ChatErrorCode;
pub use overshoot_protocol::v1beta::media::MediaPart;
use overshoot_protocol::v1beta::reference::RefError;
use overshoot_protocol::v1beta::resolve::{
    resolve_clip, resolve_frame, Readings, Retained, RetainedFrame,
};

use crate::peer::{FrameLog, FrameRecord};

/// The media parts of every message, references parsed (a parse failure keeps its
/// documented code).
pub fn media_parts<S>(request: &ChatRequest<S>) -> Result<Vec<MediaPart>, RefError> {
    request.media_parts()
}

/// The text of every text part and string content, for the token count.
pub fn text_len<S>(request: &ChatRequest<S>) -> usize {
    let mut len = 0;
    for message in &request.messages {
        match &message.content {
            Some(Content::Text(t)) => len += t.len(),
            Some(Content::Parts(parts)) => {
                for part in parts {
                    if let ContentPart::Text { text } = part {
                        len += text.len();
                    }
                }
            }
            None => {}
        }
    }
    len
}

/// The frames `part` (an `ovs://` part) names in `log` at `now_ms`, oldest first.
/// Before the first frame every reference is `segment_empty` (§16.8, errors.mdx).
pub fn resolve_in(
    log: &FrameLog,
    part: &MediaPart,
    readings: Readings,
    now_ms: i64,
) -> Result<Vec<FrameRecord>, ChatErrorCode> {
    let first_frame_at_ms = log.first_at_ms().ok_or(ChatErrorCode::SegmentEmpty)?;
    let frames: Vec<RetainedFrame> = log
        .retained()
        .iter()
        .map(|f| RetainedFrame {
            index: f.index,
            at_ms: f.at_ms,
        })
        .collect();
    let retained = Retained {
        frames: &frames,
        first_frame_at_ms,
        now_ms,
        readings,
    };
    let picked = match part {
        MediaPart::Frame(r) => vec![resolve_frame(r, &retained)?],
        MediaPart::Clip(r) => resolve_clip(r, &retained)?,
        MediaPart::External { .. } => Vec::new(),
    };
    Ok(picked
        .iter()
        .filter_map(|f| log.get(f.index).copied())
        .collect())
}

/// The message of a resolution failure.
pub fn failure_message(code: ChatErrorCode, stream_id: &str) -> String {
    match code {
        ChatErrorCode::SegmentEmpty => {
            format!("No retained frames of stream {stream_id} match the reference")
        }
        ChatErrorCode::SegmentInvalid => "The segment's end is at or before its start".into(),
        ChatErrorCode::FrameEvicted => {
            format!("The frame of stream {stream_id} has been evicted from retention")
        }
        ChatErrorCode::FrameNotYetProduced => {
            format!("The frame of stream {stream_id} has not been produced yet")
        }
        other => format!("{} (stream {stream_id})", other.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use overshoot_protocol::v1beta::reference::{ClipRef, FrameRef};
    use overshoot_protocol::v1beta::resolve::EvictedFrames;

    fn log_of(n: i64) -> FrameLog {
        let mut log = FrameLog::default();
        for i in 0..n {
            log.push(640, 480, [230.0, 20.0, 20.0], 10_000 + i * 100); // 10 fps
        }
        log
    }

    fn frame(query: &str) -> MediaPart {
        MediaPart::Frame(FrameRef::parse(&format!("ovs://streams/s?{query}")).unwrap())
    }

    fn clip(query: &str) -> MediaPart {
        MediaPart::Clip(ClipRef::parse(&format!("ovs://streams/s?{query}")).unwrap())
    }

    #[test]
    fn frames_and_clips_resolve_over_the_store() {
        let log = log_of(50);
        let now = 10_000 + 49 * 100;
        let r = Readings::default();
        let newest = resolve_in(&log, &frame("frame_index=-1"), r, now).unwrap();
        assert_eq!(newest.iter().map(|f| f.index).collect::<Vec<_>>(), [49]);
        // The last 3 s at 2 fps: a frame each 500 ms from now-3000 to the newest,
        // which is taken too (the live edge is the newest frame's time here).
        let picked = resolve_in(&log, &clip("start_offset_ms=-3000&max_fps=2"), r, now).unwrap();
        assert_eq!(picked.len(), 7, "{picked:?}");
        assert!(picked.iter().all(|f| f.width == 640));
        assert_eq!(
            resolve_in(&log, &frame("frame_index=50"), r, now),
            Err(ChatErrorCode::FrameNotYetProduced)
        );
        assert_eq!(
            resolve_in(&FrameLog::default(), &frame("frame_index=-1"), r, now),
            Err(ChatErrorCode::SegmentEmpty)
        );
    }

    #[test]
    fn evicted_frames_follow_the_reading() {
        let mut log = log_of(50);
        let now = 10_000 + 20 * 100 + crate::peer::frames::RETENTION_MS;
        log.evict(now);
        let fail = Readings::default();
        assert_eq!(
            resolve_in(&log, &frame("frame_index=0"), fail, now),
            Err(ChatErrorCode::FrameEvicted)
        );
        let clamp = Readings {
            evicted: EvictedFrames::Clamp,
            ..Readings::default()
        };
        let oldest = resolve_in(&log, &frame("frame_index=0"), clamp, now).unwrap();
        assert_eq!(oldest[0].index, 20);
    }

    #[test]
    fn media_parts_keep_message_order() {
        let request: ChatRequest<serde_json::Value> = serde_json::from_value(serde_json::json!({
            "model": "m",
            "messages": [{"role": "user", "content": [
                {"type": "text", "text": "what?"},
                {"type": "video_url", "video_url": {"url": "ovs://streams/a?start_offset_ms=-5000"}},
                {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}},
                {"type": "image_url", "image_url": {"url": "ovs://streams/b?frame_index=-1"}}
            ]}, {"role": "system", "content": "be brief"}]
        }))
        .unwrap();
        let parts = media_parts(&request).unwrap();
        let ids: Vec<Option<&str>> = parts.iter().map(MediaPart::stream_id).collect();
        assert_eq!(ids, [Some("a"), None, Some("b")]);
        assert!(parts[0].is_video() && !parts[1].is_video());
        assert_eq!(text_len(&request), 5 + 8);
    }
}
