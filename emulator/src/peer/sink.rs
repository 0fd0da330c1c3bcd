//! Where decoded frames go: a [`FrameSink`] records every frame in its frame store
//! ([`FrameLog`], shared by both API generations) and keeps the running totals of the
//! sessions feeding it. A WebRTC stream has
//! one sink for its one peer connection; a LiveKit room has one that every publisher
//! session of the room feeds (rejoins make new sessions, the stream's results go on).

use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use super::decoder::FrameSummary;
use super::frames::FrameLog;

/// Statistics of the frames decoded in one window (see [`FrameSink::take_clip`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClipStats {
    /// Frames decoded in the window.
    pub frames: u32,
    /// Width of the last frame in the window (0 if none).
    pub width: u32,
    /// Height of the last frame in the window (0 if none).
    pub height: u32,
    /// Mean colour over the window's frames (each frame weighs the same); 0s if none.
    pub mean_rgb: [u8; 3],
}

/// Running state and counters of the sessions feeding a sink (see [`FrameSink::totals`]).
#[derive(Clone, Debug, Default)]
pub struct TotalStats {
    /// Frames decoded since the sink was made.
    pub frames_decoded: u64,
    /// Frames that failed to decode.
    pub decode_errors: u64,
    /// Key frame requests (PLI/FIR) sent.
    pub keyframe_requests: u32,
    /// When the first frame was decoded.
    pub first_frame_at: Option<Instant>,
    /// ICE and DTLS completed at some point.
    pub connected: bool,
    /// ICE currently reports the peer unreachable, or the session ended after
    /// losing the peer (disconnect over ~5 s, or the peer closed the connection).
    pub disconnected: bool,
    /// The session ended abnormally: never connected in time, or a socket/str0m error.
    pub failed: bool,
    /// The latest session thread has exited (for any reason, including a close).
    pub ended: bool,
    /// Codec negotiated or last decoded: "H264" or "VP8".
    pub codec: Option<&'static str>,
    /// Why the latest session ended, once it has.
    pub exit_reason: Option<String>,
}

/// Everything the session threads report, behind one mutex.
#[derive(Default)]
struct Stats {
    log: FrameLog,
    totals: TotalStats,
}

/// The shared destination of decoded frames (see the module docs).
#[derive(Default)]
pub struct FrameSink {
    stats: Mutex<Stats>,
}

impl FrameSink {
    /// Locks the stats; a poisoned lock is still usable (plain counters).
    fn lock(&self) -> MutexGuard<'_, Stats> {
        self.stats
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records one decoded frame, decoded at `now` (wall clock: now).
    pub(super) fn add_frame(&self, f: &FrameSummary, now: Instant) {
        let mut s = self.lock();
        s.log.push(f.width, f.height, f.mean_rgb, unix_ms());
        let t = &mut s.totals;
        t.frames_decoded += 1;
        t.first_frame_at.get_or_insert(now);
    }

    /// Applies `f` to the totals under the lock.
    pub(super) fn update(&self, f: impl FnOnce(&mut TotalStats)) {
        f(&mut self.lock().totals);
    }

    /// Frames decoded since the previous call, and their statistics.
    pub fn take_clip(&self) -> ClipStats {
        self.lock().log.take_clip()
    }

    /// Applies `f` to the frame store, after evicting what is too old at `now_ms`.
    pub fn with_frames<T>(&self, now_ms: i64, f: impl FnOnce(&mut FrameLog) -> T) -> T {
        let mut s = self.lock();
        s.log.evict(now_ms);
        f(&mut s.log)
    }

    /// Running totals and connection state.
    pub fn totals(&self) -> TotalStats {
        self.lock().totals.clone()
    }
}

/// The wall clock in Unix ms (0 before 1970).
pub fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
