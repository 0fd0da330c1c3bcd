//! WebRTC receiver, shared by both ways video reaches the emulator: the streams API's
//! WebRTC transport and LiveKit publishers (`crate::livekit`).
//!
//! [`accept_offer_into`] answers a browser's SDP offer with a str0m session bound to
//! one UDP socket, and runs the session on its own thread; [`PeerHandle::renegotiate`]
//! answers later offers on it (LiveKit renegotiates for every published track).
//! Every received video frame is decoded (H.264 via OpenH264, or VP8 via libvpx) and
//! reduced to its size and mean colour in a [`FrameSink`], which the caller reads as
//! windows ([`FrameSink::take_clip`]) and running totals ([`FrameSink::totals`]).
//!
//! The offer may carry no candidates at all: the answer carries a single host
//! candidate (the socket's address) and the browser reaches it, showing up as a
//! peer-reflexive candidate. Trickled browser candidates (LiveKit) are added with
//! [`PeerHandle::add_remote_candidate`].

mod decoder;
mod delay_line;
#[cfg(test)]
mod firefox_tests;
pub mod frames;
mod negotiate;
mod sdp;
mod session;
mod sink;
mod vp8;

use std::fmt;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

pub use decoder::VideoCodec;
pub use frames::{FrameLog, FrameRecord};
pub use sink::{unix_ms, ClipStats, FrameSink};

/// Codecs we can decode, in order of preference: H.264 whenever offered (all
/// Chromium builds), else VP8 (Firefox without its downloadable OpenH264 plugin).
const PREFERRED: [VideoCodec; 2] = [VideoCodec::H264, VideoCodec::Vp8];

/// Why an offer could not be accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerError {
    /// The SDP could not be parsed or str0m refused it.
    BadOffer(String),
    /// The offer has no video codec we can decode; the text lists what it had.
    NoSupportedCodec(String),
    /// Socket, candidate or thread set-up failed.
    Io(String),
}

impl fmt::Display for PeerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerError::BadOffer(m) => write!(f, "bad SDP offer: {m}"),
            PeerError::NoSupportedCodec(m) => write!(f, "no supported video codec: {m}"),
            PeerError::Io(m) => write!(f, "network set-up failed: {m}"),
        }
    }
}

impl std::error::Error for PeerError {}

/// State shared between a [`PeerHandle`] and its session thread.
struct Shared {
    stop: AtomicBool,
    sink: Arc<FrameSink>,
}

/// What a handle asks of its running session thread.
pub(super) enum Command {
    /// Accept a renegotiation offer on the same connection; the answer (or why not) goes back.
    Offer(
        String,
        Option<VideoCodec>,
        oneshot::Sender<Result<String, PeerError>>,
    ),
    /// Add a trickled remote candidate (`candidate:…`).
    Candidate(String),
}

/// How a session answers offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answering {
    /// The streams API's WebRTC transport: one offer, answered with the one codec we
    /// prefer (H.264 when offered, else VP8).
    Webrtc,
    /// A LiveKit publisher connection: renegotiated for every published track,
    /// answered with the publisher's own codec preference among H.264 and VP8, and
    /// simulcast reduced to its top layer (see [`sdp::keep_top_simulcast_layer`]).
    LiveKit,
}

/// Handle to a running session. Dropping it closes the session.
pub struct PeerHandle {
    shared: Arc<Shared>,
    commands: Mutex<mpsc::Sender<Command>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    port: u16,
    /// The session's socket address, where [`PeerHandle::stop`] sends its wake-up.
    local: SocketAddr,
}

impl PeerHandle {
    /// The sink the session decodes into.
    pub fn sink(&self) -> Arc<FrameSink> {
        Arc::clone(&self.shared.sink)
    }

    /// The local UDP port the session is bound to (for logs and diagnostics).
    #[allow(dead_code)] // not every caller needs it
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Answers a renegotiation offer on the running connection (a new track, an ICE
    /// restart), with `prefer` first among the answer's video codecs. Waits for
    /// the session thread, which takes it within ~50 ms.
    pub async fn renegotiate(
        &self,
        offer_sdp: String,
        prefer: Option<VideoCodec>,
    ) -> Result<String, PeerError> {
        let (tx, rx) = oneshot::channel();
        let sent = self
            .commands
            .lock()
            .map_err(|_| PeerError::Io("session lock poisoned".into()))?
            .send(Command::Offer(offer_sdp, prefer, tx));
        if sent.is_err() {
            return Err(PeerError::Io("the session has ended".into()));
        }
        rx.await
            .map_err(|_| PeerError::Io("the session has ended".into()))?
    }

    /// Adds a remote candidate the browser trickled (`candidate:…`); an unreadable
    /// one is ignored (the browser also shows up peer-reflexive on our candidate).
    pub fn add_remote_candidate(&self, candidate: String) {
        if let Ok(commands) = self.commands.lock() {
            let _ = commands.send(Command::Candidate(candidate));
        }
    }

    /// Stops the session thread (sending the browser a DTLS close) and waits for it
    /// to exit, which releases the socket. Takes a millisecond or two (the thread is
    /// woken, see [`PeerHandle::stop`]), at most ~50 ms plus one frame's decode. Idempotent; also done on drop.
    pub fn close(&self) {
        if let Some(h) = self.stop() {
            let _ = h.join();
        }
    }

    /// Stops the session thread like [`PeerHandle::close`], without blocking an
    /// async runtime: inside one, the wait for the thread's exit goes to tokio's
    /// blocking pool and this returns at once; outside one it waits here.
    /// For async callers (LiveKit's rooms); idempotent; also done on drop.
    pub fn close_in_background(&self) {
        let Some(h) = self.stop() else { return };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn_blocking(move || {
                    let _ = h.join();
                });
            }
            Err(_) => {
                let _ = h.join();
            }
        }
    }

    /// Asks the session thread to stop; its handle when someone must still wait for
    /// it (not when it was already taken, nor from the session thread itself).
    fn stop(&self) -> Option<JoinHandle<()>> {
        self.shared.stop.store(true, Ordering::SeqCst);
        let handle = self
            .thread
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()?;
        self.wake();
        (handle.thread().id() != std::thread::current().id()).then_some(handle)
    }
}

impl PeerHandle {
    /// Wakes the session thread from its socket wait (up to 50 ms once the browser's
    /// tracks are stopped and nothing arrives) with an empty datagram, which it drops
    /// before it sees the stop flag: a DELETE is answered when the media session has
    /// ended, and that must not cost a poll interval. Best effort: without it the
    /// thread still stops at its next turn.
    fn wake(&self) {
        let unspecified: IpAddr = match self.local {
            SocketAddr::V4(_) => std::net::Ipv4Addr::UNSPECIFIED.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::UNSPECIFIED.into(),
        };
        if let Ok(socket) = UdpSocket::bind((unspecified, 0)) {
            let _ = socket.send_to(&[], self.local);
        }
    }
}

impl Drop for PeerHandle {
    fn drop(&mut self) {
        // The last handle may go away in an async task (a LiveKit socket's).
        self.close_in_background();
    }
}

impl fmt::Debug for PeerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerHandle")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// Accepts a browser's SDP offer for the WebRTC transport, into a sink of its own
/// (see [`accept_offer_into`]).
pub fn accept_offer(
    offer_sdp: &str,
    bind_ip: IpAddr,
    network_delay: Duration,
) -> Result<(PeerHandle, String), PeerError> {
    accept_offer_into(
        offer_sdp,
        bind_ip,
        Arc::new(FrameSink::default()),
        Answering::Webrtc,
        network_delay,
    )
}

/// Accepts a browser's SDP offer (it may contain NO candidates: non-trickle, the
/// browser connects peer-reflexive to our one host candidate), binds one UDP socket
/// on `bind_ip` (e.g. 127.0.0.1; not an unspecified address) port 0, and runs the
/// str0m poll loop on its own std::thread, decoding into `sink`. Returns the handle
/// and the answer SDP.
///
/// [`Answering::Webrtc`]: the answer lists only one codec we decode: H.264 (baseline
/// profiles) when the offer has it, else VP8. If the offer's H.264 variants are all
/// refused (e.g. High profile only), VP8 is tried next.
pub fn accept_offer_into(
    offer_sdp: &str,
    bind_ip: IpAddr,
    sink: Arc<FrameSink>,
    answering: Answering,
    network_delay: Duration,
) -> Result<(PeerHandle, String), PeerError> {
    // LiveKit's classic path offers only the data channel first; its video comes
    // with later offers, so every decodable codec stays configured.
    let codecs = match answering {
        Answering::Webrtc => sdp::choose_codecs(offer_sdp)?,
        Answering::LiveKit => PREFERRED.to_vec(),
    };
    let socket = UdpSocket::bind((bind_ip, 0))
        .map_err(|e| PeerError::Io(format!("bind UDP on {bind_ip}: {e}")))?;
    let local = socket
        .local_addr()
        .map_err(|e| PeerError::Io(format!("local_addr: {e}")))?;

    let started = Instant::now();
    let (rtc, answer_sdp, allowed) = match answering {
        Answering::Webrtc => {
            let (codec, rtc, answer) =
                negotiate::first_acceptable(offer_sdp, &codecs, local, started)?;
            (rtc, answer, vec![codec])
        }
        Answering::LiveKit => {
            // The publisher's own preference (livekit-client puts its `videoCodec`,
            // VP8 by default, first), as a LiveKit server answers.
            let offer = sdp::keep_top_simulcast_layer(offer_sdp);
            let mut ordered = sdp::video_codecs(&offer);
            ordered.retain(|c| codecs.contains(c));
            ordered.extend(
                codecs
                    .iter()
                    .filter(|c| !ordered.contains(c))
                    .collect::<Vec<_>>(),
            );
            let (rtc, answer) = negotiate::negotiate(&offer, &ordered, local, started, answering)?;
            (rtc, answer, ordered)
        }
    };
    if let [codec] = allowed.as_slice() {
        sink.update(|t| t.codec = Some(codec.name()));
    }
    sink.update(|t| {
        t.ended = false;
        t.exit_reason = None;
    });
    let shared = Arc::new(Shared {
        stop: AtomicBool::new(false),
        sink,
    });
    eprintln!(
        "peer {}: offer accepted ({answering:?}, codecs {allowed:?})",
        local.port()
    );

    let (commands, inbox) = mpsc::channel();
    let ctx = session::Session::new(
        rtc,
        delay_line::DelayedSocket::new(socket, network_delay),
        local,
        allowed,
        Arc::clone(&shared),
        started,
        inbox,
        answering,
    );
    let thread = std::thread::Builder::new()
        .name(format!("peer-{}", local.port()))
        .spawn(move || ctx.run())
        .map_err(|e| PeerError::Io(format!("spawn session thread: {e}")))?;

    let handle = PeerHandle {
        shared,
        commands: Mutex::new(commands),
        thread: Mutex::new(Some(thread)),
        port: local.port(),
        local,
    };
    Ok((handle, answer_sdp))
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

    #[test]
    fn chromium_trickled_candidates_are_readable() {
        // As livekit-client trickles them (RTCIceCandidateInit.candidate).
        let host = "candidate:3046525587 1 udp 2113937151 192.0.2.2 53311 typ host \
            generation 0 ufrag GUle network-id 1";
        assert!(str0m::Candidate::from_sdp_string(host).is_ok());
    }
}
