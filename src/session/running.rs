//! The running session: socket notices (results themselves are delivered in JS),
//! lease renewed, socket reopened after drops, the media path recovered after ICE
//! failure, everything released on stop or on a final error.

use super::link::{open_socket, Link, Uplink};
use super::media_path::{recover, switch_camera};
use super::startup::{renew_after, renew_timer, Live};
use super::{boxed, finish, post, report_error, set_state, Event, SessionConfig, Shared};
use crate::platform::error::SdkError;
use crate::platform::socket::SocketEvent;
use crate::platform::timer::{sleep, Timer};
use crate::platform::wire_response;
use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender};
use futures_channel::oneshot;
use futures_util::future::{self, Either};
use futures_util::StreamExt;
use overshoot_protocol::{
    backoff, classify_close, kind_for_end_reason, lease, CloseKind, ErrorKind, SessionState,
};
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use web_sys::RtcPeerConnectionState;

/// Reopen attempts of the results socket before the session fails.
const MAX_RECONNECTS: u32 = 6;
/// Keepalive retries on transient failures before the session fails.
const MAX_KEEPALIVE_RETRIES: u32 = 4;
/// How long `disconnected` may last before it counts as a failure.
const ICE_STALL_MS: u32 = 5_000;
/// How long `stop()` keeps the media connection open for its DELETE to be answered.
const CLOSE_AFTER_DELETE_MS: u32 = 1_000;

/// What the loop does after an event.
enum Step {
    Continue,
    /// The media path failed: make a new link.
    Recover,
    /// Open another camera and send it instead.
    SwitchCamera(String, oneshot::Sender<Result<(), SdkError>>),
    End(End),
}

/// How the loop ended.
pub(super) enum End {
    /// `stop()`: release, DELETE, reply.
    Stopped(Vec<oneshot::Sender<()>>),
    /// The page went away; its `pagehide` handler already sent the DELETE.
    Unloaded,
    /// A final error. `server_ended` skips the DELETE (the server already closed it).
    Failed { error: SdkError, server_ended: bool },
}

fn failed(kind: ErrorKind, message: impl Into<String>, server_ended: bool) -> Step {
    Step::End(End::Failed {
        error: SdkError::new(kind, message),
        server_ended,
    })
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
        match handle(config, shared, &mut live, event, &inbox) {
            Step::Continue => {}
            Step::End(end) => break end,
            Step::Recover => {
                if let Some(end) = boxed(recover(config, shared, &mut live, &inbox)).await {
                    break end;
                }
            }
            Step::SwitchCamera(target, reply) => {
                let _ = reply.send(boxed(switch_camera(config, shared, &mut live, &target)).await);
            }
        }
        set_state(config, shared, health(&live));
    };
    config.log("releasing the session");
    if matches!(end, End::Stopped(_)) {
        set_state(config, shared, SessionState::Stopping);
    }
    let stream_id = live.stream_id();
    // On stop(), the media connection outlives the rest until the server has the
    // DELETE: it then records a stream ended by its client, not by a disconnect.
    let media_path = match end {
        End::Stopped(_) => live.link.take().map(|mut link| {
            link.socket = None;
            // The only uplink without the feature `livekit`.
            #[allow(irrefutable_let_patterns)]
            if let Uplink::Peer(peer) = &link.uplink {
                peer.stop_waiting();
            }
            link
        }),
        _ => None,
    };
    drop(live); // socket, timers, tracks (the camera goes off), peer connection: now
    let delete = |id: Option<String>| async move {
        match id {
            Some(id) => config.http.close_stream_reliably(&id).await,
            None => Ok(()),
        }
    };
    match end {
        End::Stopped(replies) => {
            if let Err(e) = delete_then_close(delete(stream_id), media_path).await {
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
            // The error first, then the final state: an app that forgets its session
            // on "failed" has already been told why.
            report_error(config, &error);
            if !server_ended {
                let _ = delete(stream_id).await;
            }
            finish(config, shared, SessionState::Failed);
        }
    }
}

/// Awaits `deleting`, closing `media_path` once it is answered or after
/// `CLOSE_AFTER_DELETE_MS`, whichever comes first (a DELETE that retries must not keep
/// the connection open).
async fn delete_then_close<T>(
    deleting: impl Future<Output = T>,
    media_path: Option<Box<Link>>,
) -> T {
    futures_util::pin_mut!(deleting);
    let bound = Box::pin(sleep(CLOSE_AFTER_DELETE_MS));
    match future::select(deleting, bound).await {
        Either::Left((outcome, _)) => {
            drop(media_path);
            outcome
        }
        Either::Right(((), deleting)) => {
            drop(media_path);
            deleting.await
        }
    }
}

fn handle(
    config: &SessionConfig,
    shared: &Rc<RefCell<Shared>>,
    live: &mut Live,
    event: Event,
    inbox: &UnboundedSender<Event>,
) -> Step {
    let current = live.generation;
    match event {
        Event::Stop(reply) => return Step::End(End::Stopped(vec![reply])),
        Event::PageHidden => return Step::End(End::Unloaded),
        Event::SourceEnded(error) => {
            return Step::End(End::Failed {
                error,
                server_ended: false,
            })
        }
        Event::SwitchCamera(target, reply) => return Step::SwitchCamera(target, reply),
        // Only v1beta sessions have a question cycle.
        #[cfg(feature = "v1beta")]
        Event::V1beta(_) => {}
        // Late events of a link that a recovery replaced.
        Event::Socket(g, _) | Event::Peer(g, _) | Event::IceStalled(g) | Event::Renewed(g, _)
            if g != current => {}
        _ if live.link.is_none() => {}
        // Results themselves went to `onResult` in JS (see `platform::socket`).
        Event::Socket(_, SocketEvent::Message { malformed }) => {
            live.reconnect_attempts = 0;
            if malformed {
                let error = SdkError::new(
                    ErrorKind::Api,
                    "malformed result message from the server (not a result object)",
                );
                report_error(config, &error);
            }
        }
        Event::Socket(_, SocketEvent::Closed { code, reason }) => {
            if let Some(link) = live.link.as_mut() {
                link.socket = None;
            }
            config.log(&format!(
                "results socket closed: {} {reason}",
                u32::from(code)
            ));
            match classify_close(code, &reason) {
                CloseKind::AuthFailed
                    if config.http.credential().refreshable()
                        && live.reconnect_attempts < MAX_RECONNECTS =>
                {
                    // The token may have expired: the app's apiKey function gives a
                    // fresh one, then the socket reopens (a refresh that fails reopens
                    // with the old one, and its 1008 counts as one more attempt).
                    live.reconnect_attempts += 1;
                    let credential = config.http.credential().clone();
                    let inbox = inbox.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let _ = credential.refresh().await;
                        post(&inbox, Event::ReconnectDue);
                    });
                }
                CloseKind::AuthFailed => {
                    return failed(
                        ErrorKind::Unauthorized,
                        "the results socket rejected the API key (close 1008)",
                        true,
                    )
                }
                CloseKind::StreamEnded(why) => {
                    let details = js_sys::Object::new();
                    let _ = js_sys::Reflect::set(&details, &"reason".into(), &why.as_str().into());
                    let mut error = SdkError::new(
                        kind_for_end_reason(&why),
                        format!("the server ended the stream: {why}"),
                    );
                    error.details = details.into();
                    return Step::End(End::Failed {
                        error,
                        server_ended: true,
                    });
                }
                CloseKind::Dropped if live.reconnect_attempts >= MAX_RECONNECTS => {
                    return failed(
                        ErrorKind::Network,
                        format!(
                            "the results socket keeps dropping (last close code {})",
                            u32::from(code)
                        ),
                        false,
                    )
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
            if let Some(link) = live.link.as_mut() {
                match open_socket(config, shared, &link.stream_id, current, inbox) {
                    Ok(socket) => link.socket = Some(socket),
                    Err(error) => {
                        return Step::End(End::Failed {
                            error,
                            server_ended: false,
                        })
                    }
                }
            }
        }
        Event::RenewDue => {
            live.renew_timer = None;
            let ttl = live.link.as_ref().map_or(0.0, |l| l.ttl_seconds);
            let http = config
                .http
                .with_timeout(lease::keepalive_timeout_ms(config.http.timeout_ms(), ttl));
            let id = live.stream_id().unwrap_or_default();
            let inbox = inbox.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = http.renew_lease(&id).await;
                post(&inbox, Event::Renewed(current, outcome));
            });
        }
        Event::Renewed(_, Ok(answer)) => {
            live.keepalive_failures = 0;
            config.log("lease renewed");
            // A 200 renewed the lease even if its body is odd: keep the last TTL then.
            let renewed = wire_response::keepalive_response(&answer).ok();
            let ttl = renewed.as_ref().and_then(|k| k.ttl_seconds);
            #[cfg(feature = "livekit")]
            if let (Some(Uplink::Room(room)), Some(token)) = (
                live.link.as_ref().map(|l| &l.uplink),
                renewed.and_then(|k| k.livekit_token),
            ) {
                room.set_token(&token);
            }
            let link = live.link.as_mut();
            let ttl = match (link, ttl.filter(|t| *t > 0.0)) {
                (Some(link), Some(ttl)) => {
                    link.ttl_seconds = ttl;
                    ttl
                }
                (Some(link), None) => link.ttl_seconds,
                (None, _) => 60.0,
            };
            live.renew_timer = Some(renew_timer(ttl, inbox));
        }
        Event::Renewed(_, Err(error)) => {
            config.log(&format!("keepalive failed: {error}"));
            if !error.kind.is_transient() || live.keepalive_failures >= MAX_KEEPALIVE_RETRIES {
                return Step::End(End::Failed {
                    error,
                    server_ended: false,
                });
            }
            let delay =
                backoff::delay_ms(live.keepalive_failures, 500, 4_000, js_sys::Math::random());
            live.keepalive_failures += 1;
            live.renew_timer = Some(renew_after(delay, inbox));
        }
        Event::Peer(_, state) => {
            config.log(&format!("peer connection {state:?}"));
            live.peer_connected = state == RtcPeerConnectionState::Connected;
            live.ever_connected |= live.peer_connected;
            match state {
                RtcPeerConnectionState::Failed => return Step::Recover,
                RtcPeerConnectionState::Disconnected => {
                    let inbox = inbox.clone();
                    live.stall_timer = Some(Timer::once(ICE_STALL_MS, move || {
                        post(&inbox, Event::IceStalled(current))
                    }));
                }
                _ => live.stall_timer = None,
            }
        }
        Event::IceStalled(_) => {
            live.stall_timer = None;
            if !live.peer_connected {
                return Step::Recover;
            }
        }
    }
    Step::Continue
}

/// The state a running session is in, derived from its connections: `connecting`
/// until the media path first connects, `streaming` while media is connected and the
/// results socket is up, `reconnecting` otherwise.
fn health(live: &Live) -> SessionState {
    let socket_up = live.link.as_ref().is_some_and(|l| l.socket.is_some());
    if !live.ever_connected {
        SessionState::Connecting
    } else if live.peer_connected && socket_up && live.reconnect_attempts == 0 {
        SessionState::Streaming
    } else {
        SessionState::Reconnecting
    }
}
