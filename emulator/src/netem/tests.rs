//! The relay against real sockets: a server on loopback, the relay in front of it with
//! a one-way delay of 40 ms, a client connecting through it.

use super::relay;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

const DELAY: Duration = Duration::from_millis(40);

/// Starts the relay in front of `server`; returns the address clients connect to.
async fn relay_to(server: SocketAddr) -> SocketAddr {
    let public = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = public.local_addr().unwrap();
    tokio::spawn(relay(public, server, DELAY));
    addr
}

/// `len` bytes that tell their position (a shifted or reordered chunk shows).
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + i / 251) as u8).wrapping_add(seed))
        .collect()
}

#[tokio::test]
async fn connect_and_one_exchange_cost_two_round_trips() {
    let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server_addr = server.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut s, _) = server.accept().await.unwrap();
        let mut ask = [0u8; 4];
        s.read_exact(&mut ask).await.unwrap();
        assert_eq!(&ask, b"ping");
        s.write_all(b"pong").await.unwrap();
    });
    let public = relay_to(server_addr).await;

    let t0 = Instant::now();
    let mut c = TcpStream::connect(public).await.unwrap();
    c.write_all(b"ping").await.unwrap();
    let mut answer = [0u8; 4];
    c.read_exact(&mut answer).await.unwrap();
    let took = t0.elapsed();
    assert_eq!(&answer, b"pong");
    // The handshake (one round trip) and the exchange (one more): 4 × 40 ms.
    assert!(took >= 4 * DELAY, "connect + exchange took {took:?}");
    // Not a timing figure: only a relay that holds bytes far beyond its delay fails
    // this, with room for a busy CI machine.
    assert!(took < 4 * DELAY + Duration::from_secs(2), "took {took:?}");
}

#[tokio::test]
async fn bytes_arrive_intact_in_order_both_ways_and_close_propagates() {
    const LEN: usize = 3 * 1024 * 1024; // more than a delay line holds
    let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server_addr = server.local_addr().unwrap();
    let served = tokio::spawn(async move {
        let (mut s, _) = server.accept().await.unwrap();
        // Reading to the end proves the client's FIN came through.
        let mut got = Vec::new();
        s.read_to_end(&mut got).await.unwrap();
        let ended_at = Instant::now();
        s.write_all(&pattern(LEN, 7)).await.unwrap();
        s.shutdown().await.unwrap();
        (got, ended_at)
    });
    let public = relay_to(server_addr).await;

    let mut c = TcpStream::connect(public).await.unwrap();
    let sent = pattern(LEN, 1);
    // Written while the answer is read: neither side may stall the other.
    let (mut read_half, mut write_half) = c.split();
    let write = async {
        write_half.write_all(&sent).await.unwrap();
        // Stamped before the FIN goes: the relay cannot have read it sooner.
        let shutting = Instant::now();
        write_half.shutdown().await.unwrap();
        shutting
    };
    let read = async {
        let mut back = Vec::new();
        read_half.read_to_end(&mut back).await.unwrap();
        back
    };
    let (shut_at, back) = tokio::join!(write, read);
    let (got, server_saw_end) = served.await.unwrap();
    assert!(
        got == sent,
        "the server got {} bytes, not the ones sent",
        got.len()
    );
    assert!(
        back == pattern(LEN, 7),
        "the client got {} bytes back",
        back.len()
    );
    // The FIN is delayed like the bytes before it.
    assert!(server_saw_end >= shut_at + DELAY);
}

#[tokio::test]
async fn a_server_that_closes_closes_the_client_after_the_delay() {
    let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server_addr = server.local_addr().unwrap();
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (s, _) = server.accept().await.unwrap();
        let closing = Instant::now();
        drop(s);
        let _ = closed_tx.send(closing);
    });
    let public = relay_to(server_addr).await;
    let mut c = TcpStream::connect(public).await.unwrap();
    let mut rest = Vec::new();
    let n = c.read_to_end(&mut rest).await.unwrap();
    let seen = Instant::now();
    assert_eq!(n, 0);
    let closed = closed_rx.await.unwrap();
    assert!(seen >= closed + DELAY, "the close came through early");
}
