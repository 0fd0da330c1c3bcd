//! Network emulation (`--network-delay-ms`): a one-way delay on every HTTP answer and
//! every results-socket message, both directions. The media datagrams get theirs in
//! the session's UDP loop (`peer::delay_line`).

use axum::extract::ws::{Message, WebSocket};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};

/// Middleware: answers leave `delay` after they are ready. The emulator's own control
/// routes (`/__emulator/…`, used by tests and the bench) are not delayed.
pub async fn delay_answers(
    State(delay): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    let control = request.uri().path().starts_with("/__emulator/");
    let response = next.run(request).await;
    if !control {
        tokio::time::sleep(delay).await;
    }
    response
}

/// A message from the browser and when it may be seen.
type Received = (Instant, Result<Message, axum::Error>);

/// A results socket whose messages each arrive `delay` after they were sent, in
/// order, in both directions (a plain socket when the delay is zero).
pub enum DelayedSocket {
    Direct(Box<WebSocket>),
    Delayed {
        delay: Duration,
        outbound: mpsc::UnboundedSender<(Instant, Message)>,
        inbound: mpsc::UnboundedReceiver<Received>,
        /// A received message waiting for its time (kept if `recv` is cancelled).
        next: Option<Received>,
    },
}

impl DelayedSocket {
    /// Wraps `socket`; with a delay, two tasks carry its messages (ended with it).
    pub fn new(socket: WebSocket, delay: Duration) -> Self {
        if delay.is_zero() {
            return DelayedSocket::Direct(Box::new(socket));
        }
        let (mut sink, mut stream) = socket.split();
        let (outbound, mut to_send) = mpsc::unbounded_channel::<(Instant, Message)>();
        let (received, inbound) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some((due, message)) = to_send.recv().await {
                sleep_until(due).await;
                if sink.send(message).await.is_err() {
                    return;
                }
            }
            let _ = sink.close().await;
        });
        tokio::spawn(async move {
            while let Some(message) = stream.next().await {
                if received.send((Instant::now() + delay, message)).is_err() {
                    return;
                }
            }
        });
        DelayedSocket::Delayed {
            delay,
            outbound,
            inbound,
            next: None,
        }
    }

    /// Sends `message` (it leaves after the delay).
    pub async fn send(&mut self, message: Message) -> Result<(), axum::Error> {
        match self {
            DelayedSocket::Direct(socket) => socket.send(message).await,
            DelayedSocket::Delayed {
                delay, outbound, ..
            } => {
                let due = Instant::now() + *delay;
                outbound
                    .send((due, message))
                    .map_err(|_| axum::Error::new("the results socket is closed"))
            }
        }
    }

    /// The next message from the browser, once its delay has passed; `None` at the end.
    /// Cancel-safe (it is awaited inside `select!`): a message is never lost.
    pub async fn recv(&mut self) -> Option<Result<Message, axum::Error>> {
        match self {
            DelayedSocket::Direct(socket) => socket.recv().await,
            DelayedSocket::Delayed { inbound, next, .. } => {
                if next.is_none() {
                    *next = Some(inbound.recv().await?);
                }
                let due = next.as_ref().map(|(due, _)| *due)?;
                sleep_until(due).await;
                next.take().map(|(_, message)| message)
            }
        }
    }
}
