//! The v1beta streams the emulator holds, sans IO: every call takes the wall clock
//! (`now_ms`), so leases, expiry and tombstones are tested without waiting. The edge
//! (`routes`) calls [`Registry::sweep`] before each lookup and once a second, and
//! releases the LiveKit rooms of the streams it ended.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use overshoot_protocol::v1beta::streams::{SourceInfo, SourceKind, StreamState, StreamStatus};

use super::config::Config;
use crate::peer::FrameSink;

/// Why a stream ended (the §6 `end_reason` values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndReason {
    /// The lease lapsed.
    Expired,
    /// An explicit `DELETE`.
    Deleted,
}

impl EndReason {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Expired => "expired",
            EndReason::Deleted => "deleted",
        }
    }
}

/// An ended stream's tombstone: when, and its status (with why) frozen at the end.
#[derive(Clone, Debug)]
pub struct Ending {
    /// Wall-clock ms of the end.
    pub at_ms: i64,
    /// `GET` answers this until the tombstone lapses.
    pub frozen: StreamStatus,
}

/// One v1beta stream.
#[derive(Clone)]
pub struct V1Stream {
    /// UUID.
    pub id: String,
    /// The API key that created it (its owner).
    pub owner: String,
    /// The region that owns it.
    pub region: String,
    /// How video arrives (always `livekit` here: camera sources are refused).
    pub source: SourceKind,
    /// Wall-clock ms of creation.
    pub created_at_ms: i64,
    /// Lease expiry, wall-clock ms.
    pub expires_at_ms: i64,
    /// Keepalives so far.
    pub keepalives: u32,
    /// The frame store its LiveKit room decodes into.
    pub sink: Arc<FrameSink>,
    /// Set once it has ended.
    pub ending: Option<Ending>,
}

impl V1Stream {
    /// Whether it still accepts publishers, keepalives and questions.
    pub fn is_active(&self) -> bool {
        self.ending.is_none()
    }

    /// `stream_time_ms` at `now_ms`: ms since the first frame, `0` (or `null`, §16.9)
    /// before it.
    pub fn stream_time_ms(&self, now_ms: i64, config: &Config) -> Option<f64> {
        let first = self.sink.with_frames(now_ms, |log| log.first_at_ms());
        match first {
            Some(first) => Some((now_ms - first).max(0) as f64),
            None if config.null_stream_time_before_first_frame => None,
            None => Some(0.0),
        }
    }

    /// The §6 status at `now_ms`, every key present (the frozen one once ended).
    pub fn status(&self, now_ms: i64, config: &Config) -> StreamStatus {
        if let Some(ending) = &self.ending {
            return ending.frozen.clone();
        }
        let stream_time_ms = self.stream_time_ms(now_ms, config);
        self.sink.with_frames(now_ms, |log| {
            let retained = log.retained();
            let (oldest, newest) = (retained.front(), retained.back());
            let has_frames = log.total() > 0;
            StreamStatus {
                id: self.id.clone(),
                state: StreamState::Active,
                source: Some(SourceInfo { kind: self.source }),
                last_pull: None,
                stream_time_ms,
                first_frame_at_ms: log.first_at_ms(),
                last_frame_at_ms: newest.map(|f| f.at_ms),
                last_frame_index: has_frames.then(|| log.total() - 1),
                first_available_frame_at_ms: oldest.map(|f| f.at_ms),
                first_available_frame_index: oldest.map(|f| f.index),
                created_at_ms: Some(self.created_at_ms),
                recent_fps: log.recent_fps(now_ms),
                retained_frame_count: has_frames.then_some(retained.len() as i64),
                evicted_frame_count: has_frames.then_some(log.evicted() as i64),
                expires_at_ms: Some(self.expires_at_ms),
                ttl_seconds: Some(config.ttl_seconds),
                ended_at_ms: None,
                end_reason: None,
                audio: false,
            }
        })
    }
}

/// Why a lookup found nothing usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    /// Unknown, or past its tombstone.
    NotFound,
    /// Another key's stream.
    OtherOwner,
}

/// How long an ended stream's id is remembered after its end, so a LiveKit token
/// minted for its room cannot join again once the tombstone is gone: longer than the
/// tokens the emulator signs (600 s by default, `--livekit-token-ttl`; viewer tokens
/// 300 s).
pub const REMEMBER_ENDED_MS: i64 = 60 * 60 * 1000;
/// Most ended ids remembered (the oldest go first): about 5 MB at most.
pub const MAX_REMEMBERED: usize = 100_000;

/// Every v1beta stream, by id.
#[derive(Default)]
pub struct Registry {
    streams: HashMap<String, V1Stream>,
    /// Ended ids with their end (ms), oldest first, for [`Registry::has_ended`].
    ended: VecDeque<(i64, String)>,
    /// The ids in `ended`.
    ended_ids: HashSet<String>,
}

impl Registry {
    /// Adds a stream created at `now_ms` with a lease of `config.ttl_seconds`.
    pub fn create(
        &mut self,
        id: String,
        owner: &str,
        sink: Arc<FrameSink>,
        now_ms: i64,
        config: &Config,
    ) -> &V1Stream {
        let stream = V1Stream {
            id: id.clone(),
            owner: owner.to_string(),
            region: config.region.clone(),
            source: SourceKind::Livekit,
            created_at_ms: now_ms,
            expires_at_ms: now_ms + i64::from(config.ttl_seconds) * 1000,
            keepalives: 0,
            sink,
            ending: None,
        };
        self.streams.entry(id).insert_entry(stream).into_mut()
    }

    /// Stream `id` as `owner` sees it: active or in its tombstone.
    pub fn find(&self, id: &str, owner: &str) -> Result<&V1Stream, Missing> {
        match self.streams.get(id) {
            None => Err(Missing::NotFound),
            Some(s) if s.owner != owner => Err(Missing::OtherOwner),
            Some(s) => Ok(s),
        }
    }

    /// Mutable [`Registry::find`].
    pub fn find_mut(&mut self, id: &str, owner: &str) -> Result<&mut V1Stream, Missing> {
        match self.streams.get_mut(id) {
            None => Err(Missing::NotFound),
            Some(s) if s.owner != owner => Err(Missing::OtherOwner),
            Some(s) => Ok(s),
        }
    }

    /// Renews the lease of active stream `id`; `None` when it is not active and owned.
    pub fn keepalive(
        &mut self,
        id: &str,
        owner: &str,
        now_ms: i64,
        config: &Config,
    ) -> Option<&V1Stream> {
        let stream = self.find_mut(id, owner).ok().filter(|s| s.is_active())?;
        stream.expires_at_ms = now_ms + i64::from(config.ttl_seconds) * 1000;
        stream.keepalives += 1;
        Some(stream)
    }

    /// Ends active stream `id` for `reason`: its status freezes, its frames are
    /// dropped. Returns whether it was active.
    pub fn end(&mut self, id: &str, reason: EndReason, now_ms: i64, config: &Config) -> bool {
        let Some(stream) = self.streams.get_mut(id).filter(|s| s.is_active()) else {
            return false;
        };
        let mut frozen = stream.status(now_ms, config);
        frozen.state = StreamState::Ended;
        frozen.expires_at_ms = None;
        frozen.ended_at_ms = Some(now_ms);
        frozen.end_reason = Some(reason.as_str().to_string());
        frozen.recent_fps = frozen.recent_fps.map(|_| 0.0);
        stream.sink.with_frames(now_ms, |log| log.clear());
        stream.ending = Some(Ending {
            at_ms: now_ms,
            frozen,
        });
        if self.ended_ids.insert(id.to_string()) {
            self.ended.push_back((now_ms, id.to_string()));
        }
        self.forget_ended(now_ms);
        true
    }

    /// Forgets the ended ids older than [`REMEMBER_ENDED_MS`] or beyond
    /// [`MAX_REMEMBERED`].
    fn forget_ended(&mut self, now_ms: i64) {
        while let Some((at_ms, id)) = self.ended.front() {
            if now_ms < at_ms + REMEMBER_ENDED_MS && self.ended.len() <= MAX_REMEMBERED {
                break;
            }
            self.ended_ids.remove(id);
            self.ended.pop_front();
        }
    }

    /// Ends the streams whose lease lapsed by `now_ms` and forgets those past their
    /// tombstone. Returns the ids it ended (their rooms are to be released).
    pub fn sweep(&mut self, now_ms: i64, config: &Config) -> Vec<String> {
        let lapsed: Vec<String> = self
            .streams
            .values()
            .filter(|s| s.is_active() && now_ms >= s.expires_at_ms)
            .map(|s| s.id.clone())
            .collect();
        for id in &lapsed {
            self.end(id, EndReason::Expired, now_ms, config);
        }
        self.streams.retain(|_, s| {
            s.ending
                .as_ref()
                .is_none_or(|e| now_ms < e.at_ms + config.tombstone_ms)
        });
        self.forget_ended(now_ms);
        lapsed
    }

    /// Whether `id` is a stream that has ended (its room takes no more joins), also
    /// past its tombstone for [`REMEMBER_ENDED_MS`].
    pub fn has_ended(&self, id: &str) -> bool {
        self.ended_ids.contains(id)
    }

    /// Active streams of `owner`.
    pub fn active_count(&self, owner: &str) -> usize {
        self.streams
            .values()
            .filter(|s| s.owner == owner && s.is_active())
            .count()
    }

    /// Every stream (test reports).
    pub fn all(&self) -> impl Iterator<Item = &V1Stream> {
        self.streams.values()
    }
}
