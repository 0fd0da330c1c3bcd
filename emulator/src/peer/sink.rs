//! Where decoded frames go: a [`FrameSink`] accumulates the size and mean colour of
//! every frame and the running totals of the sessions feeding it. A WebRTC stream has
//! one sink for its one peer connection; a LiveKit room has one that every publisher
//! session of the room feeds (rejoins make new sessions, the stream's results go on).

use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use super::decoder::FrameSummary;

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

/// Frame statistics accumulated since the last [`FrameSink::take_clip`].
#[derive(Default)]
struct Window {
    frames: u32,
    width: u32,
    height: u32,
    sum_rgb: [f64; 3],
}

/// Everything the session threads report, behind one mutex.
#[derive(Default)]
struct Stats {
    window: Window,
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

    /// Records one decoded frame.
    pub(super) fn add_frame(&self, f: &FrameSummary, now: Instant) {
        let mut s = self.lock();
        let w = &mut s.window;
        w.frames = w.frames.saturating_add(1);
        w.width = f.width;
        w.height = f.height;
        for (sum, c) in w.sum_rgb.iter_mut().zip(f.mean_rgb) {
            *sum += f64::from(c);
        }
        let t = &mut s.totals;
        t.frames_decoded += 1;
        t.first_frame_at.get_or_insert(now);
    }

    /// Applies `f` to the totals under the lock.
    pub(super) fn update(&self, f: impl FnOnce(&mut TotalStats)) {
        f(&mut self.lock().totals);
    }

    /// Frames decoded since the previous call, and their statistics; resets the window.
    pub fn take_clip(&self) -> ClipStats {
        let w = std::mem::take(&mut self.lock().window);
        let mut mean_rgb = [0u8; 3];
        if w.frames > 0 {
            for (out, sum) in mean_rgb.iter_mut().zip(w.sum_rgb) {
                *out = (sum / f64::from(w.frames)).round().clamp(0.0, 255.0) as u8;
            }
        }
        ClipStats {
            frames: w.frames,
            width: w.width,
            height: w.height,
            mean_rgb,
        }
    }

    /// Running totals and connection state.
    pub fn totals(&self) -> TotalStats {
        self.lock().totals.clone()
    }
}
