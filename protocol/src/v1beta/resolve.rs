//! Resolving `ovs://` references against a stream's retained frames (§9.3 and its
//! derived resolver). Pure: the caller passes the frames and the clock, so the emulator
//! and tests share one implementation of the rules.

use super::errors::ChatErrorCode;
use super::reference::DEFAULT_TOLERANCE_MS;
use super::reference::{Anchor, ClipRef, Direction, FrameRef, DEFAULT_MAX_FPS};

/// One retained frame: its lifetime index and wall-clock capture time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetainedFrame {
    /// Lifetime index (never reset by eviction).
    pub index: i64,
    /// Wall-clock Unix ms.
    pub at_ms: i64,
}

/// What an exact `frame_index` below the retained window does (§16.5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EvictedFrames {
    /// `410 frame_evicted`, as the newest sources say (the default).
    #[default]
    Fail,
    /// Move up to the oldest retained frame, as the older prose pages say.
    Clamp,
}

/// What a non-negative `frame_index` counts from (§16.4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IndexOrigin {
    /// The first frame ever captured (lifetime index; most pages, the default).
    #[default]
    Lifetime,
    /// The oldest retained frame (`glossary.mdx`, `AGENTS.md`).
    Retained,
}

/// What a non-negative `offset_ms` counts from (§16.18).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OffsetOrigin {
    /// The oldest retained frame (`stream-media-urls.mdx`, `glossary.mdx`; the default).
    #[default]
    OldestRetained,
    /// Now, the live edge (`chat-completions.mdx`): a positive offset is in the future.
    LiveEdge,
}

/// How to read the rules the docs disagree on. The default is what §9.3 recommends;
/// an emulator exposes the others behind a flag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Readings {
    /// An exact index below the retained window (§16.5).
    pub evicted: EvictedFrames,
    /// Non-negative `frame_index` (§16.4).
    pub index_origin: IndexOrigin,
    /// Non-negative `offset_ms` (§16.18).
    pub offset_origin: OffsetOrigin,
}

/// A stream's retained frames at request time, and how to read the contested rules.
#[derive(Clone, Copy, Debug)]
pub struct Retained<'a> {
    /// Retained frames, oldest first (ascending index and time).
    pub frames: &'a [RetainedFrame],
    /// Wall-clock ms of the first frame ever ingested (origin of `timestamp_ms`).
    pub first_frame_at_ms: i64,
    /// Wall-clock ms of the request ("now", the live edge).
    pub now_ms: i64,
    /// Which reading of the contested rules applies.
    pub readings: Readings,
}

/// A bound of a clip range: an index or a wall-clock time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bound {
    Index(i64),
    Time(i64),
}

impl Bound {
    fn key(self, f: &RetainedFrame) -> (i64, i64) {
        match self {
            Bound::Index(i) => (f.index, i),
            Bound::Time(t) => (f.at_ms, t),
        }
    }
}

impl Retained<'_> {
    fn newest(&self) -> Result<&RetainedFrame, ChatErrorCode> {
        self.frames.last().ok_or(ChatErrorCode::SegmentEmpty)
    }

    /// `k < 0` counts back from the newest frame: `last_frame_index + 1 + k`; `k ≥ 0`
    /// is a lifetime index, or counts from the oldest retained frame (§16.4).
    ///
    /// `k` comes from the client's URL, so any `i64` is possible: the sum saturates.
    /// Retained frames lie well inside `i64`, so a saturated index compares with every
    /// one of them exactly as the true (unrepresentable) index would, and the usual
    /// checks give the usual answers (`frame_not_yet_produced`, `frame_evicted`, an
    /// open-ended clip).
    fn absolute_index(&self, k: i64) -> Result<i64, ChatErrorCode> {
        let last = self.newest()?.index;
        Ok(match (k < 0, self.readings.index_origin) {
            (true, _) => last.saturating_add(1).saturating_add(k),
            (false, IndexOrigin::Lifetime) => k,
            (false, IndexOrigin::Retained) => self.frames[0].index.saturating_add(k),
        })
    }

    /// The wall-clock target of a time anchor (§9.3 steps 4–5). The sum saturates, for
    /// the reason [`Retained::absolute_index`] gives.
    fn target_time(&self, anchor: Anchor) -> Result<i64, ChatErrorCode> {
        match anchor {
            Anchor::TimestampMs(t) => Ok(self.first_frame_at_ms.saturating_add(t)),
            Anchor::OffsetMs(o)
                if o < 0 || self.readings.offset_origin == OffsetOrigin::LiveEdge =>
            {
                Ok(self.now_ms.saturating_add(o))
            }
            Anchor::OffsetMs(o) => Ok(self
                .frames
                .first()
                .ok_or(ChatErrorCode::SegmentEmpty)?
                .at_ms
                .saturating_add(o)),
            // Index anchors are resolved by index, never converted to a time.
            Anchor::FrameIndex(_) => Err(ChatErrorCode::SegmentEmpty),
        }
    }

    fn bound(&self, anchor: Anchor) -> Result<Bound, ChatErrorCode> {
        match anchor {
            Anchor::FrameIndex(k) => self.absolute_index(k).map(Bound::Index),
            time => self.target_time(time).map(Bound::Time),
        }
    }
}

/// The frame an `image_url` reference names (§9.3 steps 3–6).
pub fn resolve_frame(r: &FrameRef, retained: &Retained) -> Result<RetainedFrame, ChatErrorCode> {
    let newest = *retained.newest()?;
    if let Anchor::FrameIndex(k) = r.anchor {
        let wanted = retained.absolute_index(k)?;
        if wanted > newest.index {
            return Err(ChatErrorCode::FrameNotYetProduced);
        }
        let oldest = retained.frames[0];
        if wanted < oldest.index {
            return match retained.readings.evicted {
                EvictedFrames::Fail => Err(ChatErrorCode::FrameEvicted),
                EvictedFrames::Clamp => Ok(oldest),
            };
        }
        return retained
            .frames
            .iter()
            .find(|f| f.index == wanted)
            .copied()
            .ok_or(ChatErrorCode::SegmentEmpty);
    }
    let target = retained.target_time(r.anchor)?;
    let tolerance = u64::from(r.tolerance_ms.unwrap_or(DEFAULT_TOLERANCE_MS));
    snap(
        retained.frames,
        target,
        tolerance,
        r.direction.unwrap_or_default(),
    )
    .ok_or(ChatErrorCode::SegmentEmpty)
}

/// The frame within `tolerance` of `target`: an exact hit wins; `forward`/`backward`
/// prefer the closest frame on their side and fall back to the other; `nearest` takes
/// the closest (the earlier one on a tie).
fn snap(
    frames: &[RetainedFrame],
    target: i64,
    tolerance: u64,
    direction: Direction,
) -> Option<RetainedFrame> {
    // `abs_diff` cannot overflow, whatever `target` the client's URL produced.
    let near = |f: &&RetainedFrame| f.at_ms.abs_diff(target) <= tolerance;
    let closest = |it: &mut dyn Iterator<Item = &RetainedFrame>| {
        it.min_by_key(|f| (f.at_ms.abs_diff(target), f.at_ms))
            .copied()
    };
    let after = closest(&mut frames.iter().filter(near).filter(|f| f.at_ms >= target));
    let before = closest(&mut frames.iter().filter(near).filter(|f| f.at_ms <= target));
    match direction {
        Direction::Forward => after.or(before),
        Direction::Backward => before.or(after),
        Direction::Nearest => closest(&mut frames.iter().filter(near)),
    }
}

/// The frames a `video_url` reference names, downsampled to `max_fps` (§9.3 step 7).
/// The end is exclusive and defaults to the live edge; the range is intersected with
/// retention.
pub fn resolve_clip(r: &ClipRef, retained: &Retained) -> Result<Vec<RetainedFrame>, ChatErrorCode> {
    retained.newest()?;
    let start = retained.bound(r.start)?;
    let end = r.end.map(|e| retained.bound(e)).transpose()?;
    if let Some(end) = end {
        if end_before_start(start, end, retained.frames) {
            return Err(ChatErrorCode::SegmentInvalid);
        }
    }
    let in_range = retained.frames.iter().filter(|f| {
        let (v, s) = start.key(f);
        v >= s
            && end.is_none_or(|e| {
                let (v, e) = e.key(f);
                v < e
            })
    });
    let fps = r.max_fps.unwrap_or(DEFAULT_MAX_FPS);
    let picked = downsample(in_range, fps);
    if picked.is_empty() {
        Err(ChatErrorCode::SegmentEmpty)
    } else {
        Ok(picked)
    }
}

/// Whether the end is at or before the start. Bounds of different kinds are compared in
/// time through a retained frame with that index; when none is retained the range
/// simply comes out empty.
fn end_before_start(start: Bound, end: Bound, frames: &[RetainedFrame]) -> bool {
    let time_of = |b: Bound| match b {
        Bound::Time(t) => Some(t),
        Bound::Index(i) => frames.iter().find(|f| f.index == i).map(|f| f.at_ms),
    };
    match (start, end) {
        (Bound::Index(s), Bound::Index(e)) => e <= s,
        _ => matches!((time_of(start), time_of(end)), (Some(s), Some(e)) if e <= s),
    }
}

/// Keeps the first frame of each `1/fps` slot, counted from the first frame in range.
fn downsample<'a>(frames: impl Iterator<Item = &'a RetainedFrame>, fps: f64) -> Vec<RetainedFrame> {
    let slot_ms = if fps.is_finite() && fps > 0.0 {
        1000.0 / fps
    } else {
        1000.0
    };
    let mut picked: Vec<RetainedFrame> = Vec::new();
    let mut last_slot = None;
    for f in frames {
        let origin = picked.first().map_or(f.at_ms, |p| p.at_ms);
        let slot = ((f.at_ms - origin) as f64 / slot_ms).floor() as i64;
        if last_slot != Some(slot) {
            picked.push(*f);
            last_slot = Some(slot);
        }
    }
    picked
}
