//! WebRTC receiver for one browser stream.
//!
//! [`accept_offer`] answers a browser's SDP offer with a str0m session bound to one
//! UDP socket, and runs the session on its own thread. Every received video frame
//! is decoded (H.264 via OpenH264, or VP8 via libvpx) and reduced to its size and
//! mean colour, which the caller reads as windows ([`PeerHandle::take_clip`]) and running totals
//! ([`PeerHandle::totals`]).
//!
//! Signalling is non-trickle: the offer may carry no candidates at all. The answer
//! carries a single host candidate (the socket's address) and the browser reaches
//! it as a peer-reflexive candidate.

mod decoder;
mod delay_line;
mod sdp;
mod session;
mod vp8;

use std::fmt;
use std::net::{IpAddr, UdpSocket};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use str0m::change::SdpOffer;
use str0m::{Candidate, Rtc, RtcConfig};

pub use decoder::{FrameSummary, VideoCodec};

/// Codecs we can decode, in order of preference: H.264 whenever offered (all
/// Chromium builds), else VP8 (Firefox without its downloadable OpenH264 plugin).
const PREFERRED: [VideoCodec; 2] = [VideoCodec::H264, VideoCodec::Vp8];

/// Statistics of the frames decoded in one window (see [`PeerHandle::take_clip`]).
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

/// Running state and counters of a session (see [`PeerHandle::totals`]).
#[derive(Clone, Debug, Default)]
pub struct TotalStats {
    /// Frames decoded since the session started.
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
    /// The session thread has exited (for any reason, including [`PeerHandle::close`]).
    pub ended: bool,
    /// Codec negotiated in the answer: "H264" or "VP8".
    pub codec: Option<&'static str>,
    /// Why the session ended, once it has.
    pub exit_reason: Option<String>,
}

/// Why an offer could not be accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerError {
    /// The SDP could not be parsed or str0m refused it.
    BadOffer(String),
    /// The offer has no video codec we can decode; the text lists what it had.
    NoSupportedCodec(String),
    /// Socket, candidate or thread set-up failed.
    Io(String),
    /// The video decoder could not be created.
    Decoder(String),
}

impl fmt::Display for PeerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerError::BadOffer(m) => write!(f, "bad SDP offer: {m}"),
            PeerError::NoSupportedCodec(m) => write!(f, "no supported video codec: {m}"),
            PeerError::Io(m) => write!(f, "network set-up failed: {m}"),
            PeerError::Decoder(m) => write!(f, "video decoder unavailable: {m}"),
        }
    }
}

impl std::error::Error for PeerError {}

/// Frame statistics accumulated since the last [`PeerHandle::take_clip`].
#[derive(Default)]
struct Window {
    frames: u32,
    width: u32,
    height: u32,
    sum_rgb: [f64; 3],
}

/// Everything the session thread reports, behind one mutex.
#[derive(Default)]
struct Stats {
    window: Window,
    totals: TotalStats,
}

/// State shared between a [`PeerHandle`] and its session thread.
struct Shared {
    stop: AtomicBool,
    stats: Mutex<Stats>,
}

impl Shared {
    /// Locks the stats; a poisoned lock is still usable (plain counters).
    fn lock(&self) -> MutexGuard<'_, Stats> {
        self.stats
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records one decoded frame.
    fn add_frame(&self, f: &FrameSummary, now: Instant) {
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
    fn update(&self, f: impl FnOnce(&mut TotalStats)) {
        f(&mut self.lock().totals);
    }
}

/// Handle to a running session. Dropping it closes the session.
pub struct PeerHandle {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
    port: u16,
}

impl PeerHandle {
    /// Frames decoded since the previous call, and their statistics; resets the window.
    pub fn take_clip(&self) -> ClipStats {
        let w = std::mem::take(&mut self.shared.lock().window);
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
        self.shared.lock().totals.clone()
    }

    /// The local UDP port the session is bound to (for logs and diagnostics).
    #[allow(dead_code)] // not every caller needs it
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the session thread (sending the browser a DTLS close) and waits for it
    /// to exit, which releases the socket. Takes at most ~50 ms plus one frame's
    /// decode. Idempotent; also done on drop.
    pub fn close(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let handle = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = handle {
            if h.thread().id() != std::thread::current().id() {
                let _ = h.join();
            }
        }
    }
}

impl Drop for PeerHandle {
    fn drop(&mut self) {
        self.close();
    }
}

impl fmt::Debug for PeerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerHandle")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// Accepts a browser's SDP offer (it may contain NO candidates: non-trickle, the
/// browser connects peer-reflexive to our one host candidate), binds one UDP socket
/// on `bind_ip` (e.g. 127.0.0.1; not an unspecified address) port 0, and runs the
/// str0m poll loop on its own std::thread. Returns the handle and the answer SDP.
///
/// The answer lists only one codec we decode: H.264 (baseline profiles) when the
/// offer has it, else VP8. If the offer's H.264 variants are all refused (e.g.
/// High profile only), VP8 is tried next.
pub fn accept_offer(
    offer_sdp: &str,
    bind_ip: IpAddr,
    network_delay: Duration,
) -> Result<(PeerHandle, String), PeerError> {
    let codecs = sdp::choose_codecs(offer_sdp)?;
    let socket = UdpSocket::bind((bind_ip, 0))
        .map_err(|e| PeerError::Io(format!("bind UDP on {bind_ip}: {e}")))?;
    let local = socket
        .local_addr()
        .map_err(|e| PeerError::Io(format!("local_addr: {e}")))?;

    let started = Instant::now();
    let mut last_err = None;
    let mut negotiated = None;
    for codec in codecs {
        match negotiate(offer_sdp, codec, local, started) {
            Ok((rtc, answer)) => {
                negotiated = Some((codec, rtc, answer));
                break;
            }
            Err(e @ PeerError::NoSupportedCodec(_)) => last_err = Some(e),
            Err(e) => return Err(e),
        }
    }
    let Some((codec, rtc, answer_sdp)) = negotiated else {
        return Err(last_err.unwrap_or_else(|| {
            PeerError::NoSupportedCodec("no decodable codec in the offer".into())
        }));
    };
    let decoder = decoder::new_decoder(codec).map_err(|e| PeerError::Decoder(e.0))?;

    let shared = Arc::new(Shared {
        stop: AtomicBool::new(false),
        stats: Mutex::default(),
    });
    shared.update(|t| t.codec = Some(codec.name()));
    eprintln!("peer {}: offer accepted, codec {codec}", local.port());

    let ctx = session::Session::new(
        rtc,
        delay_line::DelayedSocket::new(socket, network_delay),
        local,
        codec,
        decoder,
        Arc::clone(&shared),
        started,
    );
    let thread = std::thread::Builder::new()
        .name(format!("peer-{}", local.port()))
        .spawn(move || ctx.run())
        .map_err(|e| PeerError::Io(format!("spawn session thread: {e}")))?;

    let handle = PeerHandle {
        shared,
        thread: Mutex::new(Some(thread)),
        port: local.port(),
    };
    Ok((handle, answer_sdp))
}

/// Builds a str0m session that offers only `codec` with one host candidate on
/// `local`, and accepts the offer with it. `NoSupportedCodec` if the answer does
/// not end up carrying `codec` (none of the offered variants matched).
fn negotiate(
    offer_sdp: &str,
    codec: VideoCodec,
    local: std::net::SocketAddr,
    started: Instant,
) -> Result<(Rtc, String), PeerError> {
    let offer = guarded(|| SdpOffer::from_sdp_string(offer_sdp))
        .and_then(|r| r.map_err(|e| e.to_string()))
        .map_err(PeerError::BadOffer)?;
    let candidate = Candidate::host(local, "udp")
        .map_err(|e| PeerError::Io(format!("host candidate {local}: {e}")))?;
    let mut rtc = guarded(|| rtc_config(codec).build(started)).map_err(PeerError::Io)?;
    if rtc.add_local_candidate(candidate).is_none() {
        return Err(PeerError::Io(format!(
            "str0m refused host candidate {local}"
        )));
    }
    let answer = guarded(|| rtc.sdp_api().accept_offer(offer))
        .and_then(|r| r.map_err(|e| e.to_string()))
        .map_err(PeerError::BadOffer)?;
    let answer_sdp = sdp::candidates_in_accepted_sections(&answer.to_sdp_string());
    if !sdp::video_codecs(&answer_sdp).contains(&codec) {
        let why = match codec {
            VideoCodec::H264 => " (only baseline profiles are decoded)",
            VideoCodec::Vp8 => "",
        };
        return Err(PeerError::NoSupportedCodec(format!(
            "the offer's {codec} variants were not accepted{why}"
        )));
    }
    Ok((rtc, answer_sdp))
}

/// Runs str0m set-up code that is not supposed to panic, turning a panic into an error.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| "str0m panicked on this input".to_string())
}

/// str0m configuration whose answers carry only `codec` (no audio codecs: an audio
/// m-line in the offer is rejected).
fn rtc_config(codec: VideoCodec) -> RtcConfig {
    let mut cfg = RtcConfig::new().clear_codecs();
    match codec {
        VideoCodec::H264 => {
            // OpenH264 is sure to decode the baseline family; browsers always offer
            // it. (pt, rtx pt, packetization-mode 1, profile-level-id)
            let variants: [(u8, u8, bool, u32); 4] = [
                (127, 121, true, 0x42001f),
                (125, 107, false, 0x42001f),
                (108, 109, true, 0x42e01f),
                (124, 120, false, 0x42e01f),
            ];
            for (pt, rtx, mode1, profile) in variants {
                cfg.codec_config()
                    .add_h264(pt.into(), Some(rtx.into()), mode1, profile);
            }
        }
        VideoCodec::Vp8 => cfg = cfg.enable_vp8(true),
    }
    cfg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<PeerHandle>();
    }

    #[test]
    fn garbage_offers_are_errors() {
        let ip: IpAddr = [127, 0, 0, 1].into();
        for bad in [
            "",
            "hello",
            "v=0\r\nm=video 9 X 96\r\na=rtpmap:96 H264/90000\r\n",
            "m=video\u{0}",
        ] {
            assert!(accept_offer(bad, ip, Duration::ZERO).is_err(), "{bad:?}");
        }
    }
}
