//! The results WebSocket: authenticate with the first message, then one result per
//! interval computed from the frames really decoded in it (plus, when the
//! `burst_results` fault is armed, one burst of results sent back to back).

use crate::model::{describe, off_workers, structured_answer, Observation};
use crate::state::{AppState, Stream, Transport};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
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
    ws.on_upgrade(move |socket| serve(state, id, socket))
}

async fn close(mut socket: WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

async fn serve(state: Arc<AppState>, id: String, mut socket: WebSocket) {
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
                let answer = match &stream.sink {
                    Some(sink) => {
                        let clip = sink.take_clip();
                        if clip.frames == 0 {
                            continue; // no video in this window: nothing to infer
                        }
                        answer(&stream, Observation::of_clip(&clip)).await
                    }
                    // A room on another LiveKit server: say so instead of inventing a
                    // picture (as an error when the app expects JSON).
                    None => {
                        let text = format!(
                            "no frames: the emulator cannot join LiveKit rooms it does not host ({} transport)",
                            if stream.transport == Transport::Native { "native" } else { "livekit" }
                        );
                        if stream.output_schema.is_some() { Err(text) } else { Ok(text) }
                    }
                };
                let inference_ms = started.elapsed().as_secs_f64() * 1000.0;
                let total_ms = window_start.elapsed().as_secs_f64() * 1000.0;
                let result = make_result(&stream, answer, inference_ms, total_ms);
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

/// What the "model" says about `seen`: JSON matching the stream's output schema, or
/// a sentence without one. `Err` when the schema cannot be answered (the result then
/// has `ok: false`; create already refuses schemas that fail for every observation).
async fn answer(stream: &Stream, seen: Observation) -> Result<String, String> {
    match stream.output_schema.clone() {
        Some(schema) => off_workers(move || structured_answer(&schema, &seen))
            .await
            .map(|v| v.to_string())
            .map_err(|e| e.to_string()),
        None => Ok(describe(&seen)),
    }
}

/// A well-formed result of `stream`: the answer's text, or `ok: false` with its error
/// (`result` empty).
fn make_result(
    stream: &Stream,
    answer: Result<String, String>,
    inference_ms: f64,
    total_ms: f64,
) -> StreamResult {
    let (text, error) = match answer {
        Ok(text) => (text, None),
        Err(e) => (String::new(), Some(e)),
    };
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
        ok: error.is_none(),
        finish_reason: error.is_none().then(|| "stop".into()),
        error,
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
async fn send_burst(stream: &Stream, socket: &mut WebSocket, n: u32) -> Result<(), axum::Error> {
    let started = Instant::now();
    for i in 1..=n {
        let result = make_result(stream, Ok(format!("burst {i}/{n}")), 0.0, 0.0);
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
