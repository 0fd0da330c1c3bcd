//! The running session: results in, lease renewed, socket reopened after drops,
//! everything released on stop or on a final error.

use super::startup::{open_socket, renew_timer, Live};
use super::{call_app, finish, post, report_error, set_state, Event, SessionConfig, Shared};
use crate::platform::error::SdkError;
use crate::platform::socket::SocketEvent;
use crate::platform::timer::Timer;
use crate::platform::wire_response;
use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender};
use futures_util::StreamExt;
use overshoot_protocol::{
    backoff, classify_close, kind_for_end_reason, CloseKind, ErrorKind, SessionState,
};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use web_sys::RtcPeerConnectionState;

/// Reopen attempts of the results socket before the session fails.
const MAX_RECONNECTS: u32 = 6;
/// Keepalive retries on transient failures before the session fails.
const MAX_KEEPALIVE_RETRIES: u32 = 4;

/// How the loop ended.
enum End {
    /// `stop()`: release, DELETE, reply.
    Stopped(Vec<futures_channel::oneshot::Sender<()>>),
    /// The page went away; its `pagehide` handler already sent the DELETE.
    Unloaded,
    /// A final error. `server_ended` skips the DELETE (the server already closed it).
    Failed { error: SdkError, server_ended: bool },
}

pub async fn run(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    mut live: Live,
    mut events: UnboundedReceiver<Event>,
    inbox: UnboundedSender<Event>,
) {
    let end = loop {
        let Some(event) = events.next().await else {
            break End::Stopped(Vec::new());
        };
        if let Some(end) = handle(config, shared, &mut live, event, &inbox) {
            break end;
        }
        set_state(config, shared, health(&live));
    };
    set_state(config, shared, SessionState::Stopping);
    config.log("releasing the session");
    let stream_id = live.stream_id.clone();
    drop(live); // socket, timers, peer connection, tracks: released now, before any await
    match end {
        End::Stopped(replies) => {
            if let Err(e) = config.http.close_stream(&stream_id).await {
                // 404: the stream had already ended; anything else is worth knowing.
                if e.kind != ErrorKind::NotFound {
                    report_error(config, &e);
                }
            }
            finish(config, shared, SessionState::Stopped);
            for reply in replies {
                let _ = reply.send(());
            }
        }
        End::Unloaded => finish(config, shared, SessionState::Stopped),
        End::Failed {
            error,
            server_ended,
        } => {
            if !server_ended {
                let _ = config.http.close_stream(&stream_id).await;
            }
            finish(config, shared, SessionState::Failed);
            report_error(config, &error);
        }
    }
}

fn handle(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    live: &mut Live,
    event: Event,
    inbox: &UnboundedSender<Event>,
) -> Option<End> {
    match event {
        Event::Socket(SocketEvent::Message(data)) => {
            live.reconnect_attempts = 0;
            deliver_result(config, shared, &data);
        }
        Event::Socket(SocketEvent::Closed { code, reason }) => {
            live.socket = None;
            config.log(&format!("results socket closed: {code} {reason}"));
            match classify_close(code, &reason) {
                CloseKind::AuthFailed => {
                    let error = SdkError::new(
                        ErrorKind::Unauthorized,
                        "the results socket rejected the API key (close 1008)",
                    );
                    return Some(End::Failed {
                        error,
                        server_ended: true,
                    });
                }
                CloseKind::StreamEnded(why) => {
                    let error = SdkError::new(
                        kind_for_end_reason(&why),
                        format!("the server ended the stream: {why}"),
                    );
                    return Some(End::Failed {
                        error,
                        server_ended: true,
                    });
                }
                CloseKind::Dropped if live.reconnect_attempts >= MAX_RECONNECTS => {
                    let error = SdkError::new(
                        ErrorKind::Network,
                        format!("the results socket keeps dropping (last close code {code})"),
                    );
                    return Some(End::Failed {
                        error,
                        server_ended: false,
                    });
                }
                CloseKind::Dropped => {
                    let delay = backoff::delay_ms(
                        live.reconnect_attempts,
                        250,
                        8_000,
                        js_sys::Math::random(),
                    );
                    live.reconnect_attempts += 1;
                    let inbox = inbox.clone();
                    live.reconnect_timer = Some(Timer::once(delay, move || {
                        post(&inbox, Event::ReconnectDue)
                    }));
                }
            }
        }
        Event::ReconnectDue => {
            live.reconnect_timer = None;
            match open_socket(config, &live.stream_id, inbox) {
                Ok(socket) => live.socket = Some(socket),
                Err(error) => {
                    return Some(End::Failed {
                        error,
                        server_ended: false,
                    })
                }
            }
        }
        Event::RenewDue => {
            live.renew_timer = None;
            let http = config.http.clone();
            let id = live.stream_id.clone();
            let inbox = inbox.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = http.renew_lease(&id).await;
                post(&inbox, Event::Renewed(outcome));
            });
        }
        Event::Renewed(Ok(answer)) => {
            live.keepalive_failures = 0;
            config.log("lease renewed");
            // A 200 renewed the lease even if its body is odd: keep the last TTL then.
            let ttl = wire_response::keepalive_response(&answer)
                .ok()
                .and_then(|k| k.ttl_seconds);
            if let Some(ttl) = ttl.filter(|t| *t > 0.0) {
                live.ttl_seconds = ttl;
            }
            live.renew_timer = Some(renew_timer(live.ttl_seconds, inbox));
        }
        Event::Renewed(Err(error)) => {
            config.log(&format!("keepalive failed: {error}"));
            if !error.kind.is_transient() || live.keepalive_failures >= MAX_KEEPALIVE_RETRIES {
                return Some(End::Failed {
                    error,
                    server_ended: false,
                });
            }
            let delay =
                backoff::delay_ms(live.keepalive_failures, 500, 4_000, js_sys::Math::random());
            live.keepalive_failures += 1;
            let inbox = inbox.clone();
            live.renew_timer = Some(Timer::once(delay, move || post(&inbox, Event::RenewDue)));
        }
        Event::Peer(RtcPeerConnectionState::Failed) => {
            let error = SdkError::new(ErrorKind::WebRtc, "the WebRTC connection failed");
            return Some(End::Failed {
                error,
                server_ended: false,
            });
        }
        Event::Peer(state) => {
            config.log(&format!("peer connection {state:?}"));
            live.peer_connected = state == RtcPeerConnectionState::Connected;
            live.ever_connected |= live.peer_connected;
        }
        Event::Stop(reply) => return Some(End::Stopped(vec![reply])),
        Event::PageHidden => return Some(End::Unloaded),
    }
    None
}

/// The state a running session is in, derived from its connections: `connecting`
/// until the media path first connects, `streaming` while media is connected and the
/// results socket is up, `reconnecting` otherwise.
fn health(live: &Live) -> SessionState {
    if !live.ever_connected {
        SessionState::Connecting
    } else if live.peer_connected && live.socket.is_some() && live.reconnect_attempts == 0 {
        SessionState::Streaming
    } else {
        SessionState::Reconnecting
    }
}

/// Parses one socket message in JS (`JSON.parse`, shape check, `json()` helper) and
/// hands the result to `onResult`; anything that is not a result goes to `onError`
/// and the stream goes on.
fn deliver_result(config: &SessionConfig, shared: &Rc<RefCell<Shared>>, data: &JsValue) {
    let result = crate::platform::runtime::parse_result(data);
    if result.is_null() {
        let error = SdkError::new(
            ErrorKind::Api,
            "malformed result message from the server (not a result object)",
        );
        report_error(config, &error);
        return;
    }
    {
        let mut s = shared.borrow_mut();
        s.results_received += 1;
        s.last_result_latency_ms = js_sys::Reflect::get(&result, &"total_latency_ms".into())
            .ok()
            .and_then(|v| v.as_f64());
    }
    call_app(&config.on_result, &result);
}
