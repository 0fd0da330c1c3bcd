//! The frame store: every decoded frame of a sink, recorded with its lifetime index,
//! wall-clock time, size and mean colour, kept for a bounded retention. Both API
//! generations read it: the streams API's result windows ([`FrameLog::take_clip`]) and
//! v1beta's telemetry and `ovs://` references ([`FrameLog::retained`]).
//!
//! Bound: frames older than [`RETENTION_MS`] (600 s, v1beta's fixed history) are
//! evicted, and never more than [`MAX_RETAINED`] frames are kept (600 s at 60 fps,
//! about 1.2 MB), whichever bites first. Lifetime indices never reset on eviction.

use std::collections::VecDeque;

use super::sink::ClipStats;

/// How long a frame is retained, in ms (v1beta §13: 600 s, fixed).
pub const RETENTION_MS: i64 = 600_000;
/// Most frames retained at once (600 s at 60 fps).
pub const MAX_RETAINED: usize = 36_000;
/// Window of [`FrameLog::recent_fps`], in ms.
const RECENT_FPS_WINDOW_MS: i64 = 2_000;

/// One decoded frame as the store keeps it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameRecord {
    /// Lifetime index: 0 for the first frame ever decoded into the sink.
    pub index: i64,
    /// Wall-clock Unix ms of its decoding (never before the previous frame's).
    pub at_ms: i64,
    /// Picture width in pixels.
    pub width: u32,
    /// Picture height in pixels.
    pub height: u32,
    /// Mean colour, RGB in 0.0..=255.0.
    pub mean_rgb: [f32; 3],
}

/// The retained frames of one sink and the lifetime counters (see the module docs).
#[derive(Debug, Default)]
pub struct FrameLog {
    frames: VecDeque<FrameRecord>,
    /// Index the next frame gets (= frames ever recorded).
    next_index: i64,
    /// Frames evicted since the start (age or count).
    evicted: u64,
    /// Wall-clock ms of the first frame ever recorded.
    first_at_ms: Option<i64>,
    /// First index not yet handed out by [`FrameLog::take_clip`].
    clip_from: i64,
}

impl FrameLog {
    /// Records a frame decoded at wall-clock `at_ms`; returns its lifetime index.
    pub fn push(&mut self, width: u32, height: u32, mean_rgb: [f32; 3], at_ms: i64) -> i64 {
        let at_ms = self
            .frames
            .back()
            .map_or(at_ms, |last| at_ms.max(last.at_ms));
        let index = self.next_index;
        self.next_index += 1;
        self.first_at_ms.get_or_insert(at_ms);
        self.frames.push_back(FrameRecord {
            index,
            at_ms,
            width,
            height,
            mean_rgb,
        });
        while self.frames.len() > MAX_RETAINED {
            self.frames.pop_front();
            self.evicted += 1;
        }
        self.evict(at_ms);
        index
    }

    /// Evicts the frames older than [`RETENTION_MS`] at `now_ms`.
    pub fn evict(&mut self, now_ms: i64) {
        while self
            .frames
            .front()
            .is_some_and(|f| f.at_ms < now_ms - RETENTION_MS)
        {
            self.frames.pop_front();
            self.evicted += 1;
        }
    }

    /// The retained frames, oldest first.
    pub fn retained(&self) -> &VecDeque<FrameRecord> {
        &self.frames
    }

    /// Frames ever recorded.
    pub fn total(&self) -> i64 {
        self.next_index
    }

    /// Frames evicted since the start.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Wall-clock ms of the first frame ever recorded.
    pub fn first_at_ms(&self) -> Option<i64> {
        self.first_at_ms
    }

    /// The retained frame with lifetime index `index`.
    pub fn get(&self, index: i64) -> Option<&FrameRecord> {
        let first = self.frames.front()?.index;
        let at = usize::try_from(index.checked_sub(first)?).ok()?;
        self.frames.get(at)
    }

    /// Frames per second over the last two seconds before `now_ms` (over the time
    /// since the first frame when that is shorter); `None` before the first frame.
    pub fn recent_fps(&self, now_ms: i64) -> Option<f64> {
        let first = self.first_at_ms?;
        let since = now_ms - RECENT_FPS_WINDOW_MS;
        let count = self
            .frames
            .iter()
            .rev()
            .take_while(|f| f.at_ms > since)
            .count();
        let span_ms = (now_ms - first).clamp(1, RECENT_FPS_WINDOW_MS);
        Some(count as f64 * 1000.0 / span_ms as f64)
    }

    /// Drops every retained frame (a deleted stream); the counters stay.
    pub fn clear(&mut self) {
        self.evicted += self.frames.len() as u64;
        self.frames.clear();
    }

    /// The frames recorded since the previous call (the streams API's result
    /// window): their count, the size of the last and their mean colour.
    pub fn take_clip(&mut self) -> ClipStats {
        let from = std::mem::replace(&mut self.clip_from, self.next_index);
        let frames = self.frames.iter().filter(|f| f.index >= from);
        let mut clip = clip_of(frames);
        clip.frames = u32::try_from(self.next_index - from).unwrap_or(u32::MAX);
        clip
    }
}

/// The statistics of `frames`: count, size of the last, mean colour (each frame
/// weighs the same).
pub fn clip_of<'a>(frames: impl IntoIterator<Item = &'a FrameRecord>) -> ClipStats {
    let mut clip = ClipStats::default();
    let mut sum = [0f64; 3];
    for f in frames {
        clip.frames = clip.frames.saturating_add(1);
        clip.width = f.width;
        clip.height = f.height;
        for (s, c) in sum.iter_mut().zip(f.mean_rgb) {
            *s += f64::from(c);
        }
    }
    if clip.frames > 0 {
        for (out, s) in clip.mean_rgb.iter_mut().zip(sum) {
            *out = (s / f64::from(clip.frames)).round().clamp(0.0, 255.0) as u8;
        }
    }
    clip
}

#[cfg(test)]
mod tests {
    use super::*;

    const RED: [f32; 3] = [230.0, 20.0, 20.0];

    #[test]
    fn indices_are_lifetime_and_old_frames_are_evicted() {
        let mut log = FrameLog::default();
        for i in 0..5 {
            assert_eq!(log.push(64, 48, RED, 1_000 + i * 100), i);
        }
        assert_eq!(log.get(3).map(|f| f.at_ms), Some(1_300));
        log.evict(1_200 + RETENTION_MS);
        assert_eq!(log.retained().front().map(|f| f.index), Some(2));
        assert_eq!((log.evicted(), log.total()), (2, 5));
        assert_eq!(log.get(1), None);
        assert_eq!(log.get(4).map(|f| f.index), Some(4));
        log.clear();
        assert_eq!(
            (log.retained().len(), log.evicted(), log.total()),
            (0, 5, 5)
        );
        assert_eq!(log.first_at_ms(), Some(1_000));
    }

    #[test]
    fn the_count_bound_holds() {
        let mut log = FrameLog::default();
        for i in 0..(MAX_RETAINED as i64 + 10) {
            log.push(2, 2, RED, i);
        }
        assert_eq!(log.retained().len(), MAX_RETAINED);
        assert_eq!(log.evicted(), 10);
        assert_eq!(log.retained().front().map(|f| f.index), Some(10));
    }

    #[test]
    fn time_never_goes_back() {
        let mut log = FrameLog::default();
        log.push(2, 2, RED, 500);
        log.push(2, 2, RED, 400);
        assert_eq!(log.get(1).map(|f| f.at_ms), Some(500));
    }

    #[test]
    fn clips_are_the_frames_since_the_last_take() {
        let mut log = FrameLog::default();
        assert_eq!(log.take_clip(), ClipStats::default());
        log.push(640, 480, [200.0, 10.0, 10.0], 0);
        log.push(320, 240, [100.0, 30.0, 20.0], 10);
        let clip = log.take_clip();
        assert_eq!((clip.frames, clip.width, clip.height), (2, 320, 240));
        assert_eq!(clip.mean_rgb, [150, 20, 15]);
        assert_eq!(log.take_clip().frames, 0);
        log.push(2, 2, RED, 20);
        assert_eq!(log.take_clip().frames, 1);
    }

    #[test]
    fn recent_fps_counts_the_last_two_seconds() {
        let mut log = FrameLog::default();
        assert_eq!(log.recent_fps(0), None);
        for i in 0..100 {
            log.push(2, 2, RED, i * 100); // 10 fps for 10 s
        }
        let fps = log.recent_fps(9_950).unwrap_or_default();
        assert!((fps - 10.0).abs() < 0.6, "{fps}");
        // Half a second after the first frame: 5 frames over 0.5 s.
        let mut young = FrameLog::default();
        for i in 0..5 {
            young.push(2, 2, RED, 1_000 + i * 100);
        }
        assert_eq!(young.recent_fps(1_500), Some(10.0));
    }
}
