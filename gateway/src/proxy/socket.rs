//! The results socket: the browser authenticates with its token as the first
//! message, the gateway opens the upstream socket with the key, then relays frames
//! both ways and passes close codes and reasons through.

use super::{now_ms, Gateway};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use overshoot_protocol::v1beta::endpoints::Generation;
use overshoot_protocol::{classify_close, CloseKind};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame as UpstreamClose;
use tokio_tungstenite::tungstenite::Message as UpstreamMessage;

/// How long the browser has to send its first message (as the upstream allows).
const FIRST_MESSAGE_TIMEOUT: Duration = Duration::from_secs(10);

async fn close(mut socket: WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// The token of the first message `{"api_key": "<token>"}`.
async fn first_message_token(socket: &mut WebSocket) -> Option<String> {
    let first = tokio::time::timeout(FIRST_MESSAGE_TIMEOUT, socket.recv()).await;
    let Ok(Some(Ok(Message::Text(text)))) = first else {
        return None;
    };
    let value: serde_json::Value = serde_json::from_str(text.as_str()).ok()?;
    value.get("api_key")?.as_str().map(str::to_string)
}

/// Serves one results socket for stream `id` and logs it when it ends.
pub async fn relay(gw: Arc<Gateway>, id: String, mut client: WebSocket) {
    let token = first_message_token(&mut client).await.unwrap_or_default();
    let user = match gw.verifier.verify(&token) {
        Ok(user) => user,
        Err(rejection) => {
            log_socket(None, &id, 1008, None, rejection.reason());
            return close(client, 1008, "authentication failed").await;
        }
    };
    // Only a streams-API stream has a results socket; a v1beta id is unknown here.
    let owned = super::http::owned_by(&gw, &user, &id, Generation::Streams).await;
    if !matches!(owned, Ok(Some(_))) {
        log_socket(Some(&user), &id, 1001, None, "not_found");
        return close(client, 1001, "stream ended: not_found").await;
    }
    let started = Instant::now();
    let url = gw.upstream.base.results_socket(&id);
    let upstream = match tokio_tungstenite::connect_async(url.as_str()).await {
        Ok((upstream, _)) => upstream,
        Err(_) => {
            log_socket(Some(&user), &id, 1011, None, "upstream unreachable");
            return close(client, 1011, "upstream unavailable").await;
        }
    };
    let latency_ms = started.elapsed().as_millis() as u64;
    let (mut up_tx, mut up_rx) = upstream.split();
    let hello = serde_json::json!({ "api_key": gw.upstream.key() }).to_string();
    if up_tx.send(UpstreamMessage::text(hello)).await.is_err() {
        log_socket(Some(&user), &id, 1011, Some(latency_ms), "upstream closed");
        return close(client, 1011, "upstream unavailable").await;
    }
    let _ = gw.store.socket(&id, 1, now_ms()).await;
    let (code, reason) = pump(&gw, &mut client, &mut up_tx, &mut up_rx).await;
    let _ = up_tx.close().await;
    let _ = gw.store.socket(&id, -1, now_ms()).await;
    if let CloseKind::StreamEnded(_) = classify_close(code, &reason) {
        // The upstream ended the stream: it no longer counts against the user.
        let _ = gw.store.remove(&id).await;
    }
    log_socket(Some(&user), &id, code, Some(latency_ms), &reason);
}

/// Relays until either side closes; the close code and reason that ended it.
async fn pump<T, R>(
    gw: &Gateway,
    client: &mut WebSocket,
    up_tx: &mut T,
    up_rx: &mut R,
) -> (u16, String)
where
    T: futures_util::Sink<UpstreamMessage> + Unpin,
    R: futures_util::Stream<Item = Result<UpstreamMessage, tokio_tungstenite::tungstenite::Error>>
        + Unpin,
{
    loop {
        tokio::select! {
            from_client = client.recv() => {
                let message = match from_client {
                    Some(Ok(Message::Text(t))) => UpstreamMessage::text(t.as_str()),
                    Some(Ok(Message::Binary(b))) => UpstreamMessage::binary(b),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Close(frame))) => {
                        let (code, reason) = frame.map(|f| (f.code, f.reason.to_string())).unwrap_or((1005, String::new()));
                        let close = (code != 1005).then(|| UpstreamClose { code: CloseCode::from(code), reason: reason.clone().into() });
                        let _ = up_tx.send(UpstreamMessage::Close(close)).await;
                        return (code, reason);
                    }
                    None | Some(Err(_)) => return (1006, "client gone".into()),
                };
                if up_tx.send(message).await.is_err() {
                    let _ = client.send(Message::Close(Some(CloseFrame { code: 1011, reason: "upstream unavailable".into() }))).await;
                    return (1011, "upstream gone".into());
                }
            }
            from_upstream = up_rx.next() => {
                let message = match from_upstream {
                    Some(Ok(UpstreamMessage::Text(t))) if gw.upstream.leaks_key(t.as_bytes()) => {
                        tracing::error!("an upstream frame contained the API key; dropped");
                        continue;
                    }
                    Some(Ok(UpstreamMessage::Text(t))) => Message::Text(t.as_str().into()),
                    Some(Ok(UpstreamMessage::Binary(b))) => Message::Binary(b),
                    Some(Ok(UpstreamMessage::Close(frame))) => {
                        let (code, reason) = frame.map(|f| (u16::from(f.code), f.reason.to_string())).unwrap_or((1005, String::new()));
                        let frame = (code != 1005).then(|| CloseFrame { code, reason: reason.clone().into() });
                        let _ = client.send(Message::Close(frame)).await;
                        return (code, reason);
                    }
                    Some(Ok(_)) => continue,
                    None | Some(Err(_)) => {
                        let _ = client.send(Message::Close(Some(CloseFrame { code: 1011, reason: "upstream unavailable".into() }))).await;
                        return (1006, "upstream gone".into());
                    }
                };
                if client.send(message).await.is_err() {
                    return (1006, "client gone".into());
                }
            }
        }
    }
}

fn log_socket(user: Option<&str>, stream: &str, code: u16, upstream_ms: Option<u64>, reason: &str) {
    tracing::info!(
        call = "socket",
        user = user.unwrap_or("-"),
        stream,
        status = code,
        upstream_ms,
        reason,
    );
}
