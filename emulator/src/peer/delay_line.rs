//! A session's UDP socket with an optional one-way delay on every datagram, both
//! directions (`--network-delay-ms`): what a media path over a real network adds to
//! ICE, DTLS and the first frame. Sans-thread: the session loop asks it for the next
//! datagram with a bounded wait, and queued datagrams go out when they are due.

use std::collections::VecDeque;
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

/// A datagram held until `due`.
struct Held {
    due: Instant,
    peer: SocketAddr,
    data: Vec<u8>,
}

/// One UDP socket whose sends and receives are each delayed by `delay` (none when zero).
pub(super) struct DelayedSocket {
    socket: UdpSocket,
    delay: Duration,
    outbound: VecDeque<Held>,
    inbound: VecDeque<Held>,
}

impl DelayedSocket {
    pub(super) fn new(socket: UdpSocket, delay: Duration) -> Self {
        DelayedSocket {
            socket,
            delay,
            outbound: VecDeque::new(),
            inbound: VecDeque::new(),
        }
    }

    /// Sends `data` to `peer` now, or queues it for `delay` (sent by a later call).
    pub(super) fn send_to(&mut self, data: &[u8], peer: SocketAddr) -> io::Result<()> {
        if self.delay.is_zero() {
            return self.socket.send_to(data, peer).map(drop);
        }
        self.outbound.push_back(Held {
            due: Instant::now() + self.delay,
            peer,
            data: data.to_vec(),
        });
        self.flush_due()
    }

    /// Sends whatever is queued and due; the first error is returned (the rest stay queued).
    fn flush_due(&mut self) -> io::Result<()> {
        let now = Instant::now();
        while let Some(held) = self.outbound.front().filter(|h| h.due <= now) {
            let sent = self.socket.send_to(&held.data, held.peer);
            self.outbound.pop_front();
            sent?;
        }
        Ok(())
    }

    /// Sends everything still queued, each when it is due (a polite close's last
    /// datagrams must not be lost with the socket).
    pub(super) fn flush_all(&mut self) {
        while let Some(held) = self.outbound.pop_front() {
            std::thread::sleep(held.due.saturating_duration_since(Instant::now()));
            let _ = self.socket.send_to(&held.data, held.peer);
        }
    }

    /// The next received datagram that is due, waiting at most `max_wait`; `Ok(None)`
    /// when none is due by then (like a read timeout). Queued sends go out meanwhile.
    pub(super) fn recv(
        &mut self,
        buf: &mut [u8],
        max_wait: Duration,
    ) -> io::Result<Option<(usize, SocketAddr)>> {
        let until = Instant::now() + max_wait;
        loop {
            self.flush_due()?;
            let now = Instant::now();
            if let Some(held) = self.inbound.front().filter(|h| h.due <= now) {
                let n = held.data.len().min(buf.len());
                buf[..n].copy_from_slice(&held.data[..n]);
                let peer = held.peer;
                self.inbound.pop_front();
                return Ok(Some((n, peer)));
            }
            let next_due = [self.inbound.front(), self.outbound.front()]
                .into_iter()
                .flatten()
                .map(|h| h.due)
                .fold(until, Instant::min);
            let wait = next_due.saturating_duration_since(now);
            if wait.is_zero() && next_due >= until {
                return Ok(None);
            }
            // A zero read timeout is an error: wait at least 1 ms.
            self.socket
                .set_read_timeout(Some(wait.max(Duration::from_millis(1))))?;
            match self.socket.recv_from(buf) {
                Ok((n, peer)) if self.delay.is_zero() => return Ok(Some((n, peer))),
                Ok((n, peer)) => self.inbound.push_back(Held {
                    due: Instant::now() + self.delay,
                    peer,
                    data: buf[..n].to_vec(),
                }),
                // Timed out: the next turn returns what is due, or `None` past `until`.
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(delay_ms: u64) -> (DelayedSocket, UdpSocket) {
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").unwrap();
        (DelayedSocket::new(a, Duration::from_millis(delay_ms)), b)
    }

    #[test]
    fn without_delay_datagrams_pass_at_once() {
        let (mut a, b) = pair(0);
        let a_addr = a.socket.local_addr().unwrap();
        b.send_to(b"ping", a_addr).unwrap();
        let mut buf = [0u8; 16];
        let got = a.recv(&mut buf, Duration::from_millis(500)).unwrap();
        assert_eq!(got.map(|(n, _)| &buf[..n]), Some(&b"ping"[..]));
    }

    #[test]
    fn received_datagrams_wait_for_the_delay_in_order() {
        let (mut a, b) = pair(120);
        let a_addr = a.socket.local_addr().unwrap();
        let sent = Instant::now();
        b.send_to(b"one", a_addr).unwrap();
        b.send_to(b"two", a_addr).unwrap();
        let mut buf = [0u8; 16];
        assert!(a
            .recv(&mut buf, Duration::from_millis(60))
            .unwrap()
            .is_none());
        let (n, _) = a.recv(&mut buf, Duration::from_secs(1)).unwrap().unwrap();
        assert_eq!(&buf[..n], b"one");
        assert!(sent.elapsed() >= Duration::from_millis(120));
        let (n, _) = a.recv(&mut buf, Duration::from_secs(1)).unwrap().unwrap();
        assert_eq!(&buf[..n], b"two");
    }

    #[test]
    fn sent_datagrams_leave_after_the_delay() {
        let (mut a, b) = pair(120);
        let b_addr = b.local_addr().unwrap();
        let sent = Instant::now();
        a.send_to(b"late", b_addr).unwrap();
        b.set_read_timeout(Some(Duration::from_millis(60))).unwrap();
        let mut buf = [0u8; 16];
        assert!(b.recv_from(&mut buf).is_err(), "sent before the delay");
        // The session loop keeps calling recv; that is what flushes the queue.
        let _ = a.recv(&mut buf, Duration::from_millis(100)).unwrap();
        b.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
        let (n, _) = b.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"late");
        assert!(sent.elapsed() >= Duration::from_millis(120));
    }
}
