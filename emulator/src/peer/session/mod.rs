//! The per-session thread: str0m's poll loop over one UDP socket, feeding
//! received video frames to the decoder and the results into [`Shared`].

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use str0m::media::{MediaKind, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Event, IceConnectionState, Input, Output, Rtc};

use super::decoder::{DecoderSlot, VideoCodec};
use super::delay_line::DelayedSocket;
use super::{negotiate, Answering, Command, Shared};

mod media;

/// Longest single wait on the socket, so that `close()` is noticed quickly.
const MAX_WAIT: Duration = Duration::from_millis(50);
/// Minimum spacing of key frame requests.
const KEYFRAME_INTERVAL: Duration = Duration::from_millis(500);
/// How long ICE may stay disconnected, or the browser stay silent (it sends RTCP
/// about every second and STUN consent checks every few seconds, even with no
/// video), before the session is given up. str0m alone only reports ICE
/// `Disconnected` some 25-30 s after a browser vanishes.
const DISCONNECT_GRACE: Duration = Duration::from_secs(5);
/// How long the browser has to complete ICE + DTLS after the answer.
const CONNECT_DEADLINE: Duration = Duration::from_secs(30);
/// Receive buffer size; WebRTC datagrams stay under ~1.5 KB.
const RECV_BUF: usize = 2048;

/// How the loop ended.
enum Exit {
    /// `close()` or drop of the handle.
    Closed,
    /// The peer went away (ICE disconnected too long, or it closed the connection).
    PeerGone(String),
    /// Set-up never completed, or a socket/str0m error.
    Failed(String),
}

/// One receiving session, owned by its thread.
pub(super) struct Session {
    rtc: Rtc,
    socket: DelayedSocket,
    local: SocketAddr,
    /// The decoder of the codec media arrives in.
    decoders: DecoderSlot,
    shared: Arc<Shared>,
    started: Instant,
    inbox: mpsc::Receiver<Command>,
    answering: Answering,
    /// The simulcast layer decoded (the first one seen), so one decoder sees one layer.
    rid: Option<str0m::media::Rid>,
    video_mid: Option<Mid>,
    want_keyframe: bool,
    last_keyframe_request: Option<Instant>,
    disconnected_since: Option<Instant>,
    last_received: Instant,
    connected: bool,
    first_frame_logged: bool,
    /// Kinds of datagram already logged once before the first frame (start-up trace).
    first_seen: [bool; 4],
    /// `EMULATOR_TRACE_RTP` set: the start-up trace logs every RTP header too.
    trace_rtp: bool,
    send_errors: u64,
}

impl Session {
    /// Bundles a negotiated `Rtc` and its socket for [`Session::run`].
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        rtc: Rtc,
        socket: DelayedSocket,
        local: SocketAddr,
        codecs: Vec<VideoCodec>,
        shared: Arc<Shared>,
        started: Instant,
        inbox: mpsc::Receiver<Command>,
        answering: Answering,
    ) -> Self {
        Session {
            rtc,
            socket,
            local,
            decoders: DecoderSlot::new(codecs),
            shared,
            started,
            inbox,
            answering,
            rid: None,
            video_mid: None,
            want_keyframe: true,
            last_keyframe_request: None,
            disconnected_since: None,
            last_received: started,
            connected: false,
            first_frame_logged: false,
            first_seen: [false; 4],
            trace_rtp: std::env::var_os("EMULATOR_TRACE_RTP").is_some(),
            send_errors: 0,
        }
    }

    /// Runs until closed, the peer is gone, or an error; then records why.
    pub(super) fn run(mut self) {
        let exit = self.run_loop();
        if matches!(exit, Exit::Closed) {
            self.shutdown_politely();
        }
        let (reason, disconnected, failed) = match exit {
            Exit::Closed => ("closed".to_string(), false, false),
            Exit::PeerGone(r) => (r, true, false),
            Exit::Failed(r) => (r, false, true),
        };
        let frames = self.shared.sink.totals().frames_decoded;
        eprintln!(
            "peer {}: session ended after {:.1} s ({frames} frames decoded, {} UDP send errors): {reason}",
            self.local.port(),
            self.started.elapsed().as_secs_f32(),
            self.send_errors
        );
        self.shared.sink.update(|t| {
            t.ended = true;
            t.disconnected |= disconnected;
            t.failed |= failed;
            t.exit_reason = Some(reason);
        });
        // The socket is dropped with `self` here.
    }

    fn run_loop(&mut self) -> Exit {
        let mut buf = vec![0u8; RECV_BUF];
        let mut zero_waits: u32 = 0;
        loop {
            if self.shared.stop.load(Ordering::SeqCst) {
                return Exit::Closed;
            }
            self.take_commands();
            let deadline = match self.drain_output() {
                Ok(d) => d,
                Err(exit) => return exit,
            };
            let now = Instant::now();
            if let Some(exit) = self.check_liveness(now) {
                return exit;
            }
            self.maybe_request_keyframe(now);

            let wait = deadline.saturating_duration_since(now).min(MAX_WAIT);
            if wait.is_zero() {
                // str0m wants time to advance now. Guard against a pathological
                // stream of zero timeouts turning into a busy spin.
                zero_waits += 1;
                if zero_waits > 100 {
                    std::thread::sleep(Duration::from_millis(1));
                    zero_waits = 0;
                }
                if let Err(e) = self.rtc.handle_input(Input::Timeout(Instant::now())) {
                    return Exit::Failed(format!("str0m timeout handling: {e}"));
                }
                continue;
            }
            zero_waits = 0;

            let input_result = match self.socket.recv(&mut buf, wait) {
                Ok(None) => self.rtc.handle_input(Input::Timeout(Instant::now())),
                Ok(Some((n, source))) => {
                    self.last_received = Instant::now();
                    let Some(data) = buf.get(..n) else { continue };
                    self.trace_first_datagram(data);
                    // Datagrams str0m cannot classify (not STUN/DTLS/RTP/RTCP) are
                    // dropped rather than ending the session.
                    let Ok(contents) = data.try_into() else {
                        continue;
                    };
                    let receive = Receive {
                        proto: Protocol::Udp,
                        source,
                        destination: self.local,
                        contents,
                    };
                    self.rtc
                        .handle_input(Input::Receive(Instant::now(), receive))
                }
                Err(e) => match e.kind() {
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted => {
                        self.rtc.handle_input(Input::Timeout(Instant::now()))
                    }
                    // ICMP errors reported on an unconnected socket: not fatal.
                    ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset => continue,
                    _ => return Exit::Failed(format!("UDP receive: {e}")),
                },
            };
            if let Err(e) = input_result {
                return Exit::Failed(format!("str0m input: {e}"));
            }
        }
    }

    /// Polls str0m until it asks to wait; returns the instant it wants to be woken.
    fn drain_output(&mut self) -> Result<Instant, Exit> {
        loop {
            if !self.rtc.is_alive() {
                return Err(Exit::PeerGone("connection closed".into()));
            }
            match self.rtc.poll_output() {
                Ok(Output::Timeout(t)) => return Ok(t),
                Ok(Output::Transmit(t)) => {
                    if self.socket.send_to(&t.contents, t.destination).is_err() {
                        self.send_errors += 1;
                    }
                }
                Ok(Output::Event(e)) => self.on_event(e),
                Err(e) => return Err(Exit::Failed(format!("str0m: {e}"))),
            }
        }
    }

    /// Ends the session on a long ICE disconnect or silence, or a connect that
    /// never happens.
    fn check_liveness(&self, now: Instant) -> Option<Exit> {
        if self.connected && now.duration_since(self.last_received) > DISCONNECT_GRACE {
            return Some(Exit::PeerGone(format!(
                "nothing received from the browser for over {} s",
                DISCONNECT_GRACE.as_secs()
            )));
        }
        if let Some(since) = self.disconnected_since {
            if now.duration_since(since) > DISCONNECT_GRACE {
                return Some(Exit::PeerGone(format!(
                    "ICE disconnected for over {} s",
                    DISCONNECT_GRACE.as_secs()
                )));
            }
        }
        if !self.connected && now.duration_since(self.started) > CONNECT_DEADLINE {
            return Some(Exit::Failed(format!(
                "browser did not connect within {} s",
                CONNECT_DEADLINE.as_secs()
            )));
        }
        None
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Connected => {
                self.connected = true;
                self.shared.sink.update(|t| t.connected = true);
                eprintln!(
                    "peer {}: connected (ICE+DTLS) {} ms after the answer",
                    self.local.port(),
                    self.started.elapsed().as_millis()
                );
            }
            Event::IceConnectionStateChange(state) => {
                let down = state == IceConnectionState::Disconnected;
                if down {
                    self.disconnected_since.get_or_insert_with(Instant::now);
                } else if state.is_connected() {
                    self.disconnected_since = None;
                }
                if down || state.is_connected() {
                    self.shared.sink.update(|t| t.disconnected = down);
                }
            }
            Event::MediaAdded(m) if m.kind == MediaKind::Video && self.video_mid.is_none() => {
                self.video_mid = Some(m.mid);
            }
            Event::MediaData(data) => self.on_media(data),
            _ => {}
        }
    }

    /// Answers the renegotiation offers the handle passed on.
    fn take_commands(&mut self) {
        while let Ok(command) = self.inbox.try_recv() {
            match command {
                Command::Offer(offer, prefer, reply) => {
                    let answer =
                        negotiate::renegotiate(&mut self.rtc, &offer, self.answering, prefer);
                    let _ = reply.send(answer);
                }
                Command::Candidate(c) => {
                    if let Ok(candidate) = str0m::Candidate::from_sdp_string(&c) {
                        self.rtc.add_remote_candidate(candidate);
                    }
                }
            }
        }
    }

    /// On a local close: let str0m queue RTCP BYE + DTLS close_notify and send
    /// them, so the browser sees the connection close at once.
    fn shutdown_politely(&mut self) {
        if self.rtc.close().is_err() {
            return;
        }
        for _ in 0..64 {
            if !self.rtc.is_alive() {
                break;
            }
            match self.rtc.poll_output() {
                Ok(Output::Transmit(t)) => {
                    let _ = self.socket.send_to(&t.contents, t.destination);
                }
                Ok(Output::Event(_)) => {}
                Ok(Output::Timeout(_)) => {
                    if self
                        .rtc
                        .handle_input(Input::Timeout(Instant::now()))
                        .is_err()
                    {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        self.socket.flush_all();
    }
}
