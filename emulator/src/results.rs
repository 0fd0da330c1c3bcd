//! The results WebSocket: authenticate with the first message, then one result per
//! interval computed from the frames really decoded in it (plus, when the
//! `burst_results` fault is armed, one burst of results sent back to back).

use crate::netem::DelayedSocket;
use crate::peer::ClipStats;
use crate::state::{AppState, Stream, Transport};
use axum::extract::ws::{CloseFrame, Message, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use overshoot_protocol::StreamResult;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `GET /ws/streams/{id}`.
pub async fn results_socket(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    ws: WebSocketUpgrade,
) -> Response {
    let delay = state.settings.network_delay;
    ws.on_upgrade(move |socket| serve(state, id, DelayedSocket::new(socket, delay)))
}

async fn close(mut socket: DelayedSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

async fn serve(state: Arc<AppState>, id: String, mut socket: DelayedSocket) {
    // The first message must be {"api_key": "..."} and arrive within 10 s.
    let first = tokio::time::timeout(Duration::from_secs(10), socket.recv()).await;
    let key = match first {
        Ok(Some(Ok(Message::Text(text)))) => serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| {
                v.get("api_key")
                    .and_then(|k| k.as_str())
                    .map(str::to_string)
            }),
        _ => None,
    };
    let Some(key) = key.filter(|k| state.key_is_valid(k)) else {
        return close(socket, 1008, "authentication failed").await;
    };
    let Some(stream) = state.get(&id, &key) else {
        return close(socket, 1001, "stream ended: not_found").await;
    };
    let mut ended = stream.ended.subscribe();
    // Like the real service, the first window starts with the media: results come one
    // interval after the first decoded frame, then every interval. Until that frame
    // (checked every 10 ms) the result ticker waits.
    let mut ticker = tokio::time::interval(stream.result_interval);
    ticker.tick().await; // the first tick is immediate
    let mut anchored = stream.sink.is_none();
    let mut first_frame_poll = tokio::time::interval(Duration::from_millis(10));
    let mut window_start = Instant::now();
    let drop_after = state.faults.take_socket_drop(&key);
    let mut burst = state
        .faults
        .take_burst(&key)
        .map(|(n, delay)| (n, tokio::time::Instant::now() + delay));
    let mut sent_here = 0u32;
    loop {
        let burst_at = burst.map(|(_, at)| at);
        tokio::select! {
            _ = sleep_until_some(burst_at) => {
                let Some((n, _)) = burst.take() else { continue };
                if send_burst(&stream, &mut socket, n).await.is_err() {
                    return;
                }
            }
            _ = first_frame_poll.tick(), if !anchored => {
                let first = stream.sink.as_ref().and_then(|s| s.totals().first_frame_at);
                if let Some(first) = first {
                    let start = tokio::time::Instant::from_std(first) + stream.result_interval;
                    ticker = tokio::time::interval_at(start, stream.result_interval);
                    window_start = first;
                    anchored = true;
                }
            }
            _ = ticker.tick(), if anchored => {
                let started = Instant::now();
                let text = match &stream.sink {
                    Some(sink) => {
                        let clip = sink.take_clip();
                        if clip.frames == 0 {
                            continue; // no video in this window: nothing to infer
                        }
                        describe(&stream, &clip)
                    }
                    // A room on another LiveKit server: say so instead of inventing a picture.
                    None => format!(
                        "no frames: the emulator cannot join LiveKit rooms it does not host ({} transport)",
                        if stream.transport == Transport::Native { "native" } else { "livekit" }
                    ),
                };
                let inference_ms = started.elapsed().as_secs_f64() * 1000.0;
                let total_ms = window_start.elapsed().as_secs_f64() * 1000.0;
                let result = make_result(&stream, text, inference_ms, total_ms);
                window_start = Instant::now();
                let Ok(mut json) = serde_json::to_string(&result) else { continue };
                if state.faults.take_malformed_result(&key) {
                    json.truncate(json.len() / 2); // injected fault: not JSON
                }
                if socket.send(Message::Text(json.into())).await.is_err() {
                    return;
                }
                stream.results_sent.fetch_add(1, Ordering::Relaxed);
                sent_here += 1;
                if drop_after.is_some_and(|n| sent_here >= n) {
                    return; // injected fault: dropped without a close frame (1006)
                }
            }
            _ = ended.changed() => {
                let reason = ended.borrow().clone().unwrap_or_else(|| "client_requested".into());
                return close(socket, 1001, &format!("stream ended: {reason}")).await;
            }
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

/// A well-formed result of `stream` carrying `text`.
fn make_result(stream: &Stream, text: String, inference_ms: f64, total_ms: f64) -> StreamResult {
    StreamResult {
        id: format!("res-{:08x}", crate::state::rand_u32()),
        stream_id: stream.id.clone(),
        mode: stream.mode,
        model_backend: stream.backend,
        model_name: stream.model.clone(),
        prompt: stream.prompt(),
        result: text,
        inference_latency_ms: inference_ms,
        total_latency_ms: total_ms,
        ok: true,
        error: None,
        finish_reason: Some("stop".into()),
    }
}

/// Waits until `at`, or forever when there is nothing to wait for.
async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The `burst_results` fault: `n` well-formed results back to back, each sent as
/// soon as the socket takes the previous one. Their text is `burst i/n`.
async fn send_burst(
    stream: &Stream,
    socket: &mut DelayedSocket,
    n: u32,
) -> Result<(), axum::Error> {
    let started = Instant::now();
    for i in 1..=n {
        let result = make_result(stream, format!("burst {i}/{n}"), 0.0, 0.0);
        let Ok(json) = serde_json::to_string(&result) else {
            continue;
        };
        socket.send(Message::Text(json.into())).await?;
        stream.results_sent.fetch_add(1, Ordering::Relaxed);
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    eprintln!(
        "emulator: stream {} sent a burst of {n} results in {ms:.1} ms",
        stream.id
    );
    Ok(())
}

/// The "inference" of the emulator: what colour the decoded frames were.
fn describe(stream: &Stream, clip: &ClipStats) -> String {
    let [r, g, b] = clip.mean_rgb;
    let name = colour_name(clip.mean_rgb);
    if stream.structured {
        serde_json::json!({
            "colour": name, "mean_rgb": [r, g, b], "frames": clip.frames,
            "width": clip.width, "height": clip.height,
        })
        .to_string()
    } else {
        format!(
            "{name}: mean RGB ({r}, {g}, {b}) over {} frames at {}x{}",
            clip.frames, clip.width, clip.height
        )
    }
}

/// The nearest named colour to `rgb`.
pub fn colour_name(rgb: [u8; 3]) -> &'static str {
    const PALETTE: [(&str, [i32; 3]); 11] = [
        ("red", [220, 30, 30]),
        ("green", [30, 200, 30]),
        ("blue", [30, 30, 220]),
        ("yellow", [230, 230, 40]),
        ("cyan", [40, 220, 220]),
        ("magenta", [220, 40, 220]),
        ("orange", [240, 140, 20]),
        ("purple", [120, 40, 160]),
        ("white", [240, 240, 240]),
        ("gray", [128, 128, 128]),
        ("black", [15, 15, 15]),
    ];
    let [r, g, b] = rgb.map(i32::from);
    PALETTE
        .iter()
        .min_by_key(|(_, [pr, pg, pb])| (r - pr).pow(2) + (g - pg).pow(2) + (b - pb).pow(2))
        .map_or("unknown", |(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::colour_name;

    #[test]
    fn names_the_test_colours() {
        assert_eq!(colour_name([230, 20, 20]), "red");
        assert_eq!(colour_name([0, 250, 0]), "green");
        assert_eq!(colour_name([128, 130, 126]), "gray");
    }
}
