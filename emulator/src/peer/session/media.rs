//! The media half of a [`Session`]: decoding each received frame into the sink and
//! asking for key frames when decoding needs one.

use std::time::Instant;

use str0m::media::{KeyframeRequestKind, MediaData};

use super::{Session, KEYFRAME_INTERVAL};
use crate::peer::decoder::FrameDecoder;

impl Session {
    /// The decoder for `data`'s codec, made on its first frame; `None` for a codec
    /// or simulcast layer this session does not decode.
    fn decoder_for(&mut self, data: &MediaData) -> Option<&mut Box<dyn FrameDecoder>> {
        if let Some(rid) = data.rid {
            if *self.rid.get_or_insert(rid) != rid {
                return None;
            }
        }
        match self.decoders.for_codec(data.params.spec().codec) {
            Ok(Some((codec, made))) => {
                if made {
                    self.want_keyframe = true;
                    self.shared.sink.update(|t| t.codec = Some(codec.name()));
                }
                self.decoders.current()
            }
            Ok(None) => None,
            Err(e) => {
                eprintln!("peer {}: no decoder: {}", self.local.port(), e.0);
                None
            }
        }
    }

    /// Start-up trace: logs the first datagram of each kind (RFC 7983 demultiplexing:
    /// STUN, DTLS, RTP, RTCP) that arrives before the first frame is decoded, with its
    /// time after the answer, so a late first frame can be placed on the wire.
    pub(super) fn trace_first_datagram(&mut self, data: &[u8]) {
        if self.first_frame_logged {
            return;
        }
        let (kind, name) = match (data.first(), data.get(1)) {
            (Some(0..=3), _) => (0, "STUN"),
            (Some(20..=63), _) => (1, "DTLS"),
            (Some(128..=191), Some(192..=223)) => (3, "RTCP"),
            (Some(128..=191), _) => (2, "RTP"),
            _ => return,
        };
        if kind == 2 && self.trace_rtp && data.len() >= 12 {
            // Every RTP packet before the first frame (headers are not encrypted by SRTP).
            let word =
                |i: usize| u32::from_be_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
            eprintln!(
                "peer {}: rtp {} ms ssrc {:08x} pt {} seq {} ts {} marker {} {} B",
                self.local.port(),
                self.started.elapsed().as_millis(),
                word(8),
                data[1] & 0x7f,
                u16::from_be_bytes([data[2], data[3]]),
                word(4),
                data[1] >> 7,
                data.len()
            );
        }
        if !std::mem::replace(&mut self.first_seen[kind], true) {
            eprintln!(
                "peer {}: first {name} datagram received {} ms after the answer",
                self.local.port(),
                self.started.elapsed().as_millis()
            );
        }
    }

    pub(super) fn on_media(&mut self, data: MediaData) {
        let Some(decoder) = self.decoder_for(&data) else {
            return;
        };
        let decoded = decoder.decode(&data.data);
        if !self.first_frame_logged {
            // Start-up trace: every frame str0m hands over before the first decode.
            eprintln!(
                "peer {}: frame {} ms after the answer: {} B, key frame {}, contiguous {}, decoded {}",
                self.local.port(),
                self.started.elapsed().as_millis(),
                data.data.len(),
                data.is_keyframe(),
                data.contiguous,
                match &decoded {
                    Ok(Some(_)) => "yes",
                    Ok(None) => "not yet",
                    Err(_) => "error",
                }
            );
        }
        // Key frame requests go where the decoded media arrives (LiveKit's join
        // offer has receive-only video sections before the published one).
        self.video_mid = Some(data.mid);
        if !data.contiguous {
            // Packets were lost before this frame; it may still decode.
            self.want_keyframe = true;
        }
        match decoded {
            Ok(Some(frame)) => {
                let now = Instant::now();
                self.shared.sink.add_frame(&frame, now);
                if !self.first_frame_logged {
                    self.first_frame_logged = true;
                    eprintln!(
                        "peer {}: first frame decoded, {}x{}, {} ms after the answer",
                        self.local.port(),
                        frame.width,
                        frame.height,
                        now.duration_since(self.started).as_millis()
                    );
                }
            }
            Ok(None) => {}
            Err(_) => {
                self.want_keyframe = true;
                self.shared.sink.update(|t| t.decode_errors += 1);
            }
        }
        // Covers the track's first packet too: the receive stream now exists.
        self.maybe_request_keyframe(Instant::now());
    }

    /// Sends a PLI (or FIR) if one is wanted and none went out in the last 500 ms.
    /// Before the first RTP packet arrives str0m has no receive stream and refuses;
    /// the request then stays pending and is retried.
    pub(super) fn maybe_request_keyframe(&mut self, now: Instant) {
        if !self.want_keyframe {
            return;
        }
        let Some(mid) = self.video_mid else { return };
        if self
            .last_keyframe_request
            .is_some_and(|t| now.duration_since(t) < KEYFRAME_INTERVAL)
        {
            return;
        }
        let Some(mut writer) = self.rtc.writer(mid) else {
            return;
        };
        let kind = if writer.is_request_keyframe_possible(KeyframeRequestKind::Pli) {
            KeyframeRequestKind::Pli
        } else if writer.is_request_keyframe_possible(KeyframeRequestKind::Fir) {
            KeyframeRequestKind::Fir
        } else {
            self.want_keyframe = false; // not negotiated: nothing we can do
            return;
        };
        if writer.request_keyframe(self.rid, kind).is_ok() {
            if !self.first_frame_logged {
                eprintln!(
                    "peer {}: {kind:?} sent {} ms after the answer",
                    self.local.port(),
                    self.started.elapsed().as_millis()
                );
            }
            self.want_keyframe = false;
            self.last_keyframe_request = Some(now);
            self.shared.sink.update(|t| t.keyframe_requests += 1);
        }
    }
}
