//! Network emulation (`--network-delay-ms N`) for the emulator's TCP traffic: a relay
//! between the public listener and the real server in which every byte, both ways,
//! arrives N after it was sent, like a link with a one-way delay of N. HTTP, TLS and
//! WebSocket bytes all cross it as they are, so a request/answer costs a round trip
//! (2N), a TLS handshake its real round trips, and the TCP handshake (done by the
//! kernel before `accept`) is paid by holding a connection's first client bytes an
//! extra 2N. The media datagrams get their delay in each session's UDP loop
//! (`peer::delay_line`).

use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};

#[cfg(test)]
mod tests;

/// Largest chunk one read takes off a socket.
const CHUNK: usize = 16 * 1024;
/// Chunks in flight per direction: at most `CHUNKS * CHUNK` bytes (1 MiB) wait in a
/// delay line; beyond that the relay stops reading and TCP's own flow control holds
/// the sender back.
const CHUNKS: usize = 64;

/// What travels down a delay line.
enum Segment {
    Data(Vec<u8>),
    /// The sender closed its side (FIN): shut the other side's write half.
    End,
    /// Reading failed (e.g. a reset): the whole connection ends.
    Reset,
}

/// Accepts connections on `listener` until the process ends and relays each one to
/// `server` through two delay lines of `delay` (see the module comment).
pub async fn relay(listener: TcpListener, server: SocketAddr, delay: Duration) {
    loop {
        let client = match listener.accept().await {
            Ok((client, _)) => client,
            Err(e) => {
                // Out of descriptors and the like: wait rather than spin.
                eprintln!("netem: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let accepted = Instant::now();
        tokio::spawn(async move {
            let Ok(upstream) = TcpStream::connect(server).await else {
                return; // dropping the client closes it
            };
            let _ = relay_connection(client, upstream, delay, accepted).await;
        });
    }
}

/// Carries one connection both ways until both sides have closed, or either resets.
async fn relay_connection(
    client: TcpStream,
    server: TcpStream,
    delay: Duration,
    accepted: Instant,
) -> io::Result<()> {
    // Written chunks leave at once: the delay lines decide the timing, not Nagle.
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    // The real client could send its first bytes only one round trip after its SYN.
    let first_send = accepted + 2 * delay;
    let up = direction(client_read, server_write, delay, first_send);
    let down = direction(server_read, client_write, delay, accepted);
    // An error on either side returns at once and drops all four halves: both close.
    tokio::try_join!(up, down).map(|_| ())
}

/// One direction: bytes read from `from` are written to `to` `delay` after they were
/// read (and no sooner than `not_before + delay`), in order; the end of `from` is
/// passed on the same way.
async fn direction<R, W>(from: R, to: W, delay: Duration, not_before: Instant) -> io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let (line, arrivals) = mpsc::channel(CHUNKS);
    tokio::try_join!(
        take_in(from, line, delay, not_before),
        deliver(arrivals, to)
    )
    .map(|_| ())
}

/// Reads `from` into the delay line, each segment stamped with when it may leave.
async fn take_in<R: AsyncRead + Unpin>(
    mut from: R,
    line: mpsc::Sender<(Instant, Segment)>,
    delay: Duration,
    not_before: Instant,
) -> io::Result<()> {
    let mut buf = vec![0u8; CHUNK];
    loop {
        let segment = match from.read(&mut buf).await {
            Ok(0) => Segment::End,
            Ok(n) => Segment::Data(buf[..n].to_vec()),
            Err(_) => Segment::Reset,
        };
        let last = !matches!(segment, Segment::Data(_));
        let due = Instant::now().max(not_before) + delay;
        // A closed line means the other end failed; that error is reported there.
        if line.send((due, segment)).await.is_err() || last {
            return Ok(());
        }
    }
}

/// Writes each segment of the delay line to `to` when it is due.
async fn deliver<W: AsyncWrite + Unpin>(
    mut arrivals: mpsc::Receiver<(Instant, Segment)>,
    mut to: W,
) -> io::Result<()> {
    while let Some((due, segment)) = arrivals.recv().await {
        sleep_until(due).await;
        match segment {
            Segment::Data(bytes) => to.write_all(&bytes).await?,
            Segment::End => {
                // The peer may be gone already; the other direction decides.
                let _ = to.shutdown().await;
                return Ok(());
            }
            Segment::Reset => {
                return Err(io::Error::new(
                    io::ErrorKind::ConnectionReset,
                    "the peer reset the connection",
                ))
            }
        }
    }
    Ok(())
}
