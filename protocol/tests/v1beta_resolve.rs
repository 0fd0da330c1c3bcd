//! The §9.3 resolver over a synthetic retained window: 10 fps, lifetime indices 100–199
//! retained (0–99 evicted), first frame ever at wall-clock 1_000_000 ms.

use overshoot_protocol::v1beta::errors::ChatErrorCode;
use overshoot_protocol::v1beta::reference::{ClipRef, FrameRef};
use overshoot_protocol::v1beta::resolve::*;

const T0: i64 = 1_000_000;

fn frames() -> Vec<RetainedFrame> {
    (100..200)
        .map(|index| RetainedFrame {
            index,
            at_ms: T0 + index * 100,
        })
        .collect()
}

fn window(frames: &[RetainedFrame], readings: Readings) -> Retained<'_> {
    Retained {
        frames,
        first_frame_at_ms: T0,
        now_ms: T0 + 199 * 100 + 30,
        readings,
    }
}

fn frame_read(url: &str, readings: Readings) -> Result<i64, ChatErrorCode> {
    let f = frames();
    let r = FrameRef::parse(&format!("ovs://streams/s?{url}")).unwrap();
    resolve_frame(&r, &window(&f, readings)).map(|f| f.index)
}

fn frame(url: &str, evicted: EvictedFrames) -> Result<i64, ChatErrorCode> {
    frame_read(
        url,
        Readings {
            evicted,
            ..Readings::default()
        },
    )
}

fn clip_read(url: &str, readings: Readings) -> Result<Vec<i64>, ChatErrorCode> {
    let f = frames();
    let r = ClipRef::parse(&format!("ovs://streams/s?{url}")).unwrap();
    resolve_clip(&r, &window(&f, readings)).map(|v| v.into_iter().map(|f| f.index).collect())
}

fn clip(url: &str) -> Result<Vec<i64>, ChatErrorCode> {
    clip_read(url, Readings::default())
}

use EvictedFrames::{Clamp, Fail};

#[test]
fn frame_indices_count_back_from_the_newest_and_fail_outside_the_window() {
    assert_eq!(frame("frame_index=-1", Fail), Ok(199));
    assert_eq!(frame("frame_index=-2", Fail), Ok(198));
    assert_eq!(frame("frame_index=150", Fail), Ok(150));
    assert_eq!(
        frame("frame_index=200", Fail),
        Err(ChatErrorCode::FrameNotYetProduced)
    );
    assert_eq!(
        frame("frame_index=99", Fail),
        Err(ChatErrorCode::FrameEvicted)
    );
    assert_eq!(
        frame("frame_index=-101", Fail),
        Err(ChatErrorCode::FrameEvicted)
    );
    assert_eq!(frame("frame_index=0", Clamp), Ok(100));
    assert_eq!(frame("frame_index=-500", Clamp), Ok(100));
}

#[test]
fn time_anchors_snap_within_tolerance_by_direction() {
    // Frame 150 sits at stream time 15_000.
    assert_eq!(frame("timestamp_ms=15000", Fail), Ok(150));
    assert_eq!(frame("timestamp_ms=15040", Fail), Ok(150));
    assert_eq!(frame("timestamp_ms=15060", Fail), Ok(151));
    assert_eq!(frame("timestamp_ms=15040&direction=forward", Fail), Ok(151));
    assert_eq!(
        frame("timestamp_ms=15060&direction=backward", Fail),
        Ok(150)
    );
    assert_eq!(frame("timestamp_ms=15050", Fail), Ok(150));
    assert_eq!(
        frame("timestamp_ms=30000&tolerance_ms=50", Fail),
        Err(ChatErrorCode::SegmentEmpty)
    );
    assert_eq!(
        frame("timestamp_ms=5000", Fail),
        Err(ChatErrorCode::SegmentEmpty)
    );
    // Negative offsets count from now (30 ms after frame 199), others from the oldest.
    assert_eq!(frame("offset_ms=-30", Fail), Ok(199));
    assert_eq!(frame("offset_ms=-1030&tolerance_ms=1", Fail), Ok(189));
    assert_eq!(frame("offset_ms=0", Fail), Ok(100));
    assert_eq!(frame("offset_ms=1000", Fail), Ok(110));
}

#[test]
fn clips_are_intersected_downsampled_and_end_exclusive() {
    assert_eq!(
        clip("start_offset_ms=-2000&max_fps=2"),
        Ok(vec![180, 185, 190, 195])
    );
    assert_eq!(
        clip("start_frame_index=-3&max_fps=30"),
        Ok(vec![197, 198, 199])
    );
    assert_eq!(
        clip("start_frame_index=150&end_frame_index=153&max_fps=10"),
        Ok(vec![150, 151, 152])
    );
    assert_eq!(
        clip("start_frame_index=0&end_frame_index=102&max_fps=10"),
        Ok(vec![100, 101])
    );
    assert_eq!(
        clip("start_timestamp_ms=15000&end_frame_index=152&max_fps=10"),
        Ok(vec![150, 151])
    );
    assert_eq!(
        clip("start_offset_ms=0&end_offset_ms=3000"),
        Ok(vec![100, 110, 120])
    );
    assert_eq!(clip("start_frame_index=-1").map(|v| v.len()), Ok(1));
}

#[test]
fn empty_and_inverted_clips_fail_with_their_codes() {
    assert_eq!(
        clip("start_frame_index=0&end_frame_index=50"),
        Err(ChatErrorCode::SegmentEmpty)
    );
    assert_eq!(
        clip("start_frame_index=500"),
        Err(ChatErrorCode::SegmentEmpty)
    );
    assert_eq!(
        clip("start_frame_index=150&end_frame_index=150"),
        Err(ChatErrorCode::SegmentInvalid)
    );
    assert_eq!(
        clip("start_offset_ms=-1000&end_offset_ms=-2000"),
        Err(ChatErrorCode::SegmentInvalid)
    );
    assert_eq!(
        clip("start_timestamp_ms=15000&end_frame_index=150"),
        Err(ChatErrorCode::SegmentInvalid)
    );
}

#[test]
fn nothing_resolves_before_the_first_frame() {
    let empty = Retained {
        frames: &[],
        first_frame_at_ms: 0,
        now_ms: 5,
        readings: Readings::default(),
    };
    let f = FrameRef::parse("ovs://streams/s?frame_index=-1").unwrap();
    assert_eq!(resolve_frame(&f, &empty), Err(ChatErrorCode::SegmentEmpty));
    let c = ClipRef::parse("ovs://streams/s?start_offset_ms=-5000").unwrap();
    assert_eq!(resolve_clip(&c, &empty), Err(ChatErrorCode::SegmentEmpty));
}

#[test]
fn the_contested_readings_are_switchable() {
    let retained_origin = Readings {
        index_origin: IndexOrigin::Retained,
        ..Readings::default()
    };
    assert_eq!(frame_read("frame_index=0", retained_origin), Ok(100));
    assert_eq!(frame_read("frame_index=5", retained_origin), Ok(105));
    assert_eq!(frame_read("frame_index=-1", retained_origin), Ok(199));
    assert_eq!(
        clip_read(
            "start_frame_index=0&end_frame_index=2&max_fps=10",
            retained_origin
        ),
        Ok(vec![100, 101])
    );
    let live_edge = Readings {
        offset_origin: OffsetOrigin::LiveEdge,
        ..Readings::default()
    };
    assert_eq!(frame_read("offset_ms=0", live_edge), Ok(199));
    assert_eq!(
        clip_read("start_offset_ms=0", live_edge),
        Err(ChatErrorCode::SegmentEmpty)
    );
    assert_eq!(
        clip_read(
            "start_offset_ms=-1030&end_offset_ms=0&max_fps=10",
            live_edge
        )
        .map(|v| v.len()),
        Ok(11)
    );
}

/// Every reading of the contested rules, for the tests that must hold under all of them.
fn all_readings() -> Vec<Readings> {
    let mut all = Vec::new();
    for evicted in [Fail, Clamp] {
        for index_origin in [IndexOrigin::Lifetime, IndexOrigin::Retained] {
            for offset_origin in [OffsetOrigin::OldestRetained, OffsetOrigin::LiveEdge] {
                all.push(Readings {
                    evicted,
                    index_origin,
                    offset_origin,
                });
            }
        }
    }
    all
}

/// Any `i64` in a client's URL gets a typed answer, never an overflow (a panic in debug
/// builds, a wrapped and wrong frame in release).
#[test]
fn extreme_anchors_get_typed_answers_not_overflows() {
    let (max, min) = (i64::MAX, i64::MIN);
    for readings in all_readings() {
        let evicted_answer = match readings.evicted {
            Fail => Err(ChatErrorCode::FrameEvicted),
            Clamp => Ok(100),
        };
        let frame_at = |q: String| frame_read(&q, readings);
        assert_eq!(
            frame_at(format!("frame_index={max}")),
            Err(ChatErrorCode::FrameNotYetProduced)
        );
        assert_eq!(frame_at(format!("frame_index={min}")), evicted_answer);
        for anchor in ["timestamp_ms", "offset_ms"] {
            for value in [max, min] {
                for direction in ["nearest", "forward", "backward"] {
                    assert_eq!(
                        frame_at(format!(
                            "{anchor}={value}&direction={direction}&tolerance_ms={}",
                            u32::MAX
                        )),
                        Err(ChatErrorCode::SegmentEmpty),
                        "{anchor}={value} {direction} under {readings:?}"
                    );
                }
            }
        }
    }
}

/// An extreme start or end of a clip is an open-ended range intersected with retention,
/// or an empty/inverted one, exactly as a merely large value would be.
#[test]
fn extreme_clip_bounds_are_intersected_with_retention() {
    let (max, min) = (i64::MAX, i64::MIN);
    for readings in all_readings() {
        let clip_len = |q: String| clip_read(&format!("{q}&max_fps=10"), readings).map(|v| v.len());
        for anchor in ["frame_index", "timestamp_ms", "offset_ms"] {
            let at = |what: &str| format!("{what}: {anchor} under {readings:?}");
            assert_eq!(
                clip_len(format!("start_{anchor}={max}")),
                Err(ChatErrorCode::SegmentEmpty),
                "{}",
                at("start max")
            );
            assert_eq!(
                clip_len(format!("start_{anchor}={min}")),
                Ok(100),
                "{}",
                at("start min")
            );
            assert_eq!(
                clip_len(format!("start_{anchor}={min}&end_{anchor}={max}")),
                Ok(100),
                "{}",
                at("min to max")
            );
            assert_eq!(
                clip_len(format!("start_{anchor}={max}&end_{anchor}={min}")),
                Err(ChatErrorCode::SegmentInvalid),
                "{}",
                at("max to min")
            );
        }
    }
}
