//! The registry's lease, tombstone and telemetry rules, with a hand-driven clock.

use std::sync::Arc;

use overshoot_protocol::v1beta::streams::StreamState;

use super::config::Config;
use super::registry::{EndReason, Missing, Registry, MAX_REMEMBERED, REMEMBER_ENDED_MS};
use crate::peer::FrameSink;

const T0: i64 = 1_800_000_000_000;

fn config() -> Config {
    Config {
        ttl_seconds: 10,
        tombstone_ms: 5_000,
        ..Config::default()
    }
}

fn registry_with(id: &str) -> (Registry, Arc<FrameSink>) {
    let mut r = Registry::default();
    let sink = Arc::new(FrameSink::default());
    r.create(id.into(), "k", Arc::clone(&sink), T0, &config());
    (r, sink)
}

#[test]
fn before_the_first_frame_only_the_lease_fields_have_values() {
    let (r, _) = registry_with("s");
    let s = r.find("s", "k").map(|s| s.status(T0 + 10, &config()));
    let s = s.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(s.state, StreamState::Active);
    assert_eq!(
        (s.created_at_ms, s.expires_at_ms, s.ttl_seconds),
        (Some(T0), Some(T0 + 10_000), Some(10))
    );
    assert_eq!(s.stream_time_ms, Some(0.0));
    assert!(s.first_frame_at_ms.is_none() && s.last_frame_at_ms.is_none());
    assert!(s.last_frame_index.is_none() && s.first_available_frame_index.is_none());
    assert!(s.retained_frame_count.is_none() && s.recent_fps.is_none());
    let null_time = Config {
        null_stream_time_before_first_frame: true,
        ..config()
    };
    let s = r.find("s", "k").map(|s| s.status(T0, &null_time));
    assert_eq!(s.map(|s| s.stream_time_ms), Ok(None));
    assert_eq!(r.find("s", "other").err(), Some(Missing::OtherOwner));
    assert_eq!(r.find("t", "k").err(), Some(Missing::NotFound));
}

#[test]
fn telemetry_comes_from_the_frame_store() {
    let (r, sink) = registry_with("s");
    for i in 0..30 {
        sink.with_frames(T0, |log| log.push(640, 480, [1.0; 3], T0 + 1_000 + i * 100));
    }
    let now = T0 + 1_000 + 29 * 100;
    let s = r.find("s", "k").map(|s| s.status(now, &config()));
    let s = s.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(s.first_frame_at_ms, Some(T0 + 1_000));
    assert_eq!(
        (s.last_frame_index, s.last_frame_at_ms),
        (Some(29), Some(now))
    );
    assert_eq!(
        (s.first_available_frame_index, s.retained_frame_count),
        (Some(0), Some(30))
    );
    assert_eq!(s.evicted_frame_count, Some(0));
    assert_eq!(s.stream_time_ms, Some(2_900.0));
    let fps = s.recent_fps.unwrap_or_default();
    assert!((fps - 10.0).abs() < 0.6, "{fps}");
}

#[test]
fn keepalives_renew_and_the_lease_lapses_into_a_tombstone() {
    let (mut r, sink) = registry_with("s");
    sink.with_frames(T0, |log| log.push(2, 2, [1.0; 3], T0 + 100));
    let c = config();
    assert_eq!(
        r.keepalive("s", "k", T0 + 8_000, &c)
            .map(|s| s.expires_at_ms),
        Some(T0 + 18_000)
    );
    assert!(r.keepalive("s", "other", T0 + 8_000, &c).is_none());
    assert!(r.sweep(T0 + 17_999, &c).is_empty());
    assert_eq!(r.sweep(T0 + 18_000, &c), ["s"]);
    let s = r.find("s", "k").map(|s| s.status(T0 + 19_000, &c));
    let s = s.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        (s.state, s.end_reason.as_deref()),
        (StreamState::Ended, Some("expired"))
    );
    assert_eq!((s.ended_at_ms, s.expires_at_ms), (Some(T0 + 18_000), None));
    // Counters frozen; the frames dropped.
    assert_eq!(
        (s.last_frame_index, s.retained_frame_count),
        (Some(0), Some(1))
    );
    assert_eq!(sink.with_frames(T0, |log| log.retained().len()), 0);
    // An ended stream is not revived.
    assert!(r.keepalive("s", "k", T0 + 19_000, &c).is_none());
    assert!(!r.end("s", EndReason::Deleted, T0 + 19_000, &c));
    // Past the tombstone: gone.
    r.sweep(T0 + 22_999, &c);
    assert!(r.find("s", "k").is_ok());
    r.sweep(T0 + 23_000, &c);
    assert_eq!(r.find("s", "k").err(), Some(Missing::NotFound));
}

#[test]
fn delete_ends_with_reason_deleted() {
    let (mut r, _) = registry_with("s");
    assert_eq!((r.active_count("k"), r.active_count("other")), (1, 0));
    assert!(r.end("s", EndReason::Deleted, T0 + 1, &config()));
    let s = r.find("s", "k").map(|s| s.status(T0 + 2, &config()));
    assert_eq!(s.map(|s| s.end_reason), Ok(Some("deleted".to_string())));
    assert_eq!(r.active_count("k"), 0);
    assert!(r.has_ended("s") && !r.has_ended("unknown"));
}

#[test]
fn an_ended_id_is_remembered_past_its_tombstone_for_the_token_lifetime() {
    let (mut r, _) = registry_with("s");
    assert!(r.end("s", EndReason::Deleted, T0, &config()));
    r.sweep(T0 + 6_000, &config());
    assert_eq!(r.find("s", "k").err(), Some(Missing::NotFound));
    // A LiveKit token (600 s by default) minted before the end still cannot join.
    r.sweep(T0 + 601_000, &config());
    assert!(r.has_ended("s"));
    r.sweep(T0 + REMEMBER_ENDED_MS, &config());
    assert!(!r.has_ended("s"));
}

#[test]
fn the_memory_of_ended_ids_is_bounded() {
    let mut r = Registry::default();
    let c = config();
    for i in 0..MAX_REMEMBERED + 2 {
        let id = format!("s{i}");
        r.create(id.clone(), "k", Arc::new(FrameSink::default()), T0, &c);
        assert!(r.end(&id, EndReason::Deleted, T0, &c));
        if i % 10_000 == 0 {
            r.sweep(T0 + 6_000, &c); // drop the tombstones as the edge would
        }
    }
    assert!(!r.has_ended("s0") && !r.has_ended("s1"));
    assert!(r.has_ended("s2") && r.has_ended(&format!("s{}", MAX_REMEMBERED + 1)));
}
