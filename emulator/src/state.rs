//! Streams the emulator holds: lease deadlines, prompts, the WebRTC peer, and how
//! each one ended (kept for the test-only `/__emulator/streams` report).

use crate::livekit::LiveKit;
use crate::peer::{FrameSink, PeerHandle};
use overshoot_protocol::{Backend, Mode};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Settings fixed at start-up.
pub struct Settings {
    /// Keys that authenticate.
    pub api_keys: Vec<String>,
    /// Lease length handed out at create and keepalive.
    pub ttl_seconds: f64,
    /// `turn_servers` returned by create (JSON array), if any.
    pub turn_servers: Option<serde_json::Value>,
    /// Concurrent streams per key; one more gets 429 (the service allows 5).
    pub max_streams_per_key: usize,
    /// Keys that authenticate but are out of credits from the start (402).
    pub no_credit_keys: Vec<String>,
    /// Address the media (UDP) sockets bind to and advertise as their candidate.
    /// Loopback by default; Firefox ignores loopback candidates, so its tests pass a
    /// local interface address.
    pub media_ip: std::net::IpAddr,
    /// The room URL the native transport's answer names (`--livekit-url`); empty:
    /// the emulator's own LiveKit server (see [`AppState::livekit_url`]).
    pub livekit_url: String,
    /// Lifetime of the LiveKit tokens the emulator signs (`--livekit-token-ttl`).
    pub livekit_token_ttl: Duration,
    /// One-way delay of the media datagrams (`--network-delay-ms`; the TCP streams get
    /// theirs in the relay of `netem`); zero on loopback by default.
    pub network_delay: std::time::Duration,
    /// The v1beta routes' settings (region, lease, readings).
    pub v1beta: crate::v1beta::config::Config,
}

/// One stream.
pub struct Stream {
    pub id: String,
    pub api_key: String,
    pub mode: Mode,
    pub backend: Backend,
    pub model: String,
    pub result_interval: Duration,
    /// The app's JSON Schema (`inference.output_schema_json`): results are JSON
    /// that validates against it.
    pub output_schema: Option<serde_json::Value>,
    pub prompt: Mutex<String>,
    /// The WebRTC receiver; `None` for the LiveKit transports.
    pub peer: Option<PeerHandle>,
    /// Where the stream's decoded frames arrive: the peer's sink, or the LiveKit
    /// room's; `None` for a `{type:"livekit"}` source whose room is not the emulator's.
    pub sink: Option<Arc<FrameSink>>,
    /// The emulator-hosted LiveKit room the stream watches (the native transport's
    /// room is named by the stream id).
    pub room: Option<String>,
    /// How the video reaches the server.
    pub transport: Transport,
    pub lease_deadline: Mutex<Instant>,
    pub keepalives: AtomicU32,
    pub results_sent: AtomicU32,
    /// When the create request was answered.
    pub created_at: Instant,
    /// `Some(reason)` once ended; results sockets watch it.
    pub ended: watch::Sender<Option<String>>,
}

/// How a stream's video reaches the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// `source: {type:"webrtc"}`: decoded here.
    Webrtc,
    /// `source: {type:"livekit"}`: the app publishes into its own room.
    Livekit,
    /// No `source`: a server-made LiveKit room the client publishes into.
    Native,
}

impl Stream {
    /// The prompt in force.
    pub fn prompt(&self) -> String {
        self.prompt.lock().map(|p| p.clone()).unwrap_or_default()
    }
}

/// What `/__emulator/streams` reports about a stream.
#[derive(Serialize, Clone)]
pub struct StreamReport {
    pub stream_id: String,
    pub transport: Transport,
    pub prompt: String,
    pub keepalives: u32,
    pub results_sent: u32,
    pub frames_decoded: u64,
    pub codec: Option<String>,
    pub end_reason: Option<String>,
    /// The emulator-hosted LiveKit room the stream watches, if any.
    pub room: Option<String>,
    /// Why the media session ended, once it has: `closed` when the server closed it
    /// (DELETE, lease, fault), else what the browser did (e.g. `connection closed`).
    /// Taken when the stream ends, so it tells which came first.
    pub media_end: Option<String>,
    /// Milliseconds from the stream's creation to its first decoded frame; null before it.
    pub first_frame_ms: Option<f64>,
    /// Wall-clock time of the first decoded frame, in ms since the Unix epoch (to
    /// compare with a browser's `Date.now()` on the same machine); null before it.
    pub first_frame_unix_ms: Option<f64>,
}

/// Everything shared by the handlers.
pub struct AppState {
    pub settings: Settings,
    streams: Mutex<HashMap<String, Arc<Stream>>>,
    ended: Mutex<Vec<StreamReport>>,
    next_id: AtomicU32,
    out_of_credits: Mutex<std::collections::HashSet<String>>,
    /// Armed fault injections.
    pub faults: crate::faults::FaultBoard,
    /// The LiveKit server: rooms and tokens.
    pub livekit: Arc<LiveKit>,
    /// The v1beta API: its streams, settings and faults.
    pub v1beta: crate::v1beta::V1beta,
    /// `ws://127.0.0.1:PORT` once the listener is bound (the default LiveKit URL).
    self_url: std::sync::OnceLock<String>,
}

impl AppState {
    pub fn new(settings: Settings) -> Arc<AppState> {
        let out_of_credits = settings.no_credit_keys.iter().cloned().collect();
        let secret: Vec<u8> = (0..8).flat_map(|_| rand_u32().to_le_bytes()).collect();
        let livekit = Arc::new(LiveKit {
            rooms: Default::default(),
            tokens: crate::livekit::token::TokenIssuer::new(secret, settings.livekit_token_ttl),
        });
        Arc::new(AppState {
            livekit,
            v1beta: crate::v1beta::V1beta::new(settings.v1beta.clone()),
            self_url: Default::default(),
            out_of_credits: Mutex::new(out_of_credits),
            faults: Default::default(),
            settings,
            streams: Mutex::new(HashMap::new()),
            ended: Mutex::new(Vec::new()),
            next_id: AtomicU32::new(1),
        })
    }

    /// Records where the emulator listens (`ws://127.0.0.1:PORT`): the default
    /// LiveKit URL. Set once, after binding.
    pub fn set_self_url(&self, url: String) {
        let _ = self.self_url.set(url);
    }

    /// The LiveKit URL the native transport's answers name: `--livekit-url`, else
    /// the emulator itself.
    pub fn livekit_url(&self) -> String {
        if self.settings.livekit_url.is_empty() {
            self.self_url.get().cloned().unwrap_or_default()
        } else {
            self.settings.livekit_url.clone()
        }
    }

    /// A fresh stream id.
    pub fn new_id(&self) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        format!("emu-{n:05}-{:08x}", rand_u32())
    }

    pub fn key_is_valid(&self, key: &str) -> bool {
        self.settings.api_keys.iter().any(|k| k == key)
    }

    /// The `Authorization: Bearer` key of a request, if it is one the emulator knows
    /// (both API generations authenticate this way, with the same keys).
    pub fn known_key(&self, headers: &axum::http::HeaderMap) -> Option<String> {
        let key = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or("");
        self.key_is_valid(key).then(|| key.to_string())
    }

    /// Whether `key` has run out of credits.
    pub fn out_of_credits(&self, key: &str) -> bool {
        self.out_of_credits
            .lock()
            .map(|s| s.contains(key))
            .unwrap_or(false)
    }

    /// Marks `key` as out of credits (or not).
    pub fn set_out_of_credits(&self, key: &str, out: bool) {
        if let Ok(mut set) = self.out_of_credits.lock() {
            if out {
                set.insert(key.to_string());
            } else {
                set.remove(key);
            }
        }
    }

    /// Open streams of `key`.
    pub fn open_count(&self, key: &str) -> usize {
        self.streams
            .lock()
            .map(|m| m.values().filter(|s| s.api_key == key).count())
            .unwrap_or(0)
    }

    pub fn insert(&self, stream: Arc<Stream>) {
        if let Ok(mut map) = self.streams.lock() {
            map.insert(stream.id.clone(), stream);
        }
    }

    /// The open stream `id` if it belongs to `key`.
    pub fn get(&self, id: &str, key: &str) -> Option<Arc<Stream>> {
        let map = self.streams.lock().ok()?;
        map.get(id).filter(|s| s.api_key == key).cloned()
    }

    /// The open stream `id`, whoever owns it (test endpoints).
    pub fn get_any(&self, id: &str) -> Option<Arc<Stream>> {
        self.streams.lock().ok()?.get(id).cloned()
    }

    /// Ends stream `id`: closes its peer connection, tells its results sockets why,
    /// and keeps a report. Returns false when it was not open.
    pub fn end(&self, id: &str, reason: &str) -> bool {
        let removed = self.streams.lock().ok().and_then(|mut map| map.remove(id));
        let Some(stream) = removed else { return false };
        if let Some(peer) = &stream.peer {
            peer.close();
        }
        if stream.transport == Transport::Native {
            self.livekit.end_room_soon(&stream.id);
        }
        let _ = stream.ended.send(Some(reason.to_string()));
        eprintln!("emulator: stream {id} ended: {reason}");
        let report = report(&stream, Some(reason.to_string()));
        if let Ok(mut ended) = self.ended.lock() {
            ended.push(report);
        }
        true
    }

    /// Open and ended streams, for tests.
    pub fn reports(&self) -> (Vec<StreamReport>, Vec<StreamReport>) {
        let open = self
            .streams
            .lock()
            .map(|m| m.values().map(|s| report(s, None)).collect())
            .unwrap_or_default();
        let ended = self.ended.lock().map(|e| e.clone()).unwrap_or_default();
        (open, ended)
    }
}

fn report(stream: &Stream, end_reason: Option<String>) -> StreamReport {
    let totals = stream.sink.as_ref().map(|s| s.totals()).unwrap_or_default();
    let first_frame_ms = totals.first_frame_at.map(|first| {
        first
            .saturating_duration_since(stream.created_at)
            .as_secs_f64()
            * 1000.0
    });
    let first_frame_unix_ms = totals.first_frame_at.and_then(|first| {
        let wall = std::time::SystemTime::now().checked_sub(first.elapsed())?;
        let since_epoch = wall.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(since_epoch.as_secs_f64() * 1000.0)
    });
    StreamReport {
        stream_id: stream.id.clone(),
        transport: stream.transport,
        prompt: stream.prompt(),
        keepalives: stream.keepalives.load(Ordering::Relaxed),
        results_sent: stream.results_sent.load(Ordering::Relaxed),
        frames_decoded: totals.frames_decoded,
        codec: totals.codec.map(str::to_string),
        end_reason,
        room: stream.room.clone(),
        media_end: totals.exit_reason,
        first_frame_ms,
        first_frame_unix_ms,
    }
}

/// Ends `stream` with `lease_expired` unless keepalives keep pushing its deadline.
pub async fn watch_lease(state: Arc<AppState>, stream: Arc<Stream>) {
    let mut ended = stream.ended.subscribe();
    loop {
        let deadline = stream
            .lease_deadline
            .lock()
            .map(|d| *d)
            .unwrap_or_else(|_| Instant::now());
        if Instant::now() >= deadline {
            state.end(&stream.id, "lease_expired");
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep_until(deadline.into()) => {}
            _ = ended.changed() => return,
        }
    }
}

/// A cheap non-cryptographic random number (ids only).
pub fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    h.finish() as u32
}
