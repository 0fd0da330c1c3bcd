//! The running v1beta session: the lease renewed every `min(120 s, ttl/3)` with each
//! fresh publish token handed to the room, `GET /streams/{id}` until the first frame
//! is ingested, then the periodic question (never more than one in flight), and
//! everything released on stop or on a final error: the room left, the tracks
//! stopped, the stream DELETEd.

use super::super::link::Uplink;
use super::super::media_path::switch_camera;
use super::super::running::End;
use super::super::startup::{renew_after, Live};
use super::super::{finish, post, report_error, set_state, Event, SessionConfig, Shared};
use super::asking::{ends_session, Ask, Asker};
use super::{V1Event, V1betaOptions};
use crate::platform::error::SdkError;
use crate::platform::room::RoomOwner;
use crate::platform::runtime::deliver_result;
use crate::platform::timer::Timer;
use crate::platform::v1beta_http::V1betaHttp;
use crate::platform::v1beta_wire::{ended, failed_result_object, has_frames, keepalive};
use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender};
use futures_util::StreamExt;
use overshoot_protocol::v1beta::answer::ResultContext;
use overshoot_protocol::v1beta::question::{next_question_delay_ms, Media};
use overshoot_protocol::v1beta::retry::renew_interval_ms;
use overshoot_protocol::{ErrorKind, SessionState};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::RtcPeerConnectionState;

/// Pause between two `GET /streams/{id}` while waiting for the first frame.
const POLL_EVERY_MS: u32 = 250;
/// Pause after a failed poll that may pass.
const POLL_RETRY_MS: u32 = 1_000;
/// How long the first frame may take to be ingested after publishing (§14's example
/// allows 10 s; joining and the first keyframe can take longer on a slow machine).
const FIRST_FRAME_TIMEOUT_MS: f64 = 30_000.0;

/// The question cycle and the wait for the first frame.
struct Cycle {
    poll_timer: Option<Timer>,
    question_timer: Option<Timer>,
    /// A periodic question is in flight.
    asking: bool,
    /// When publishing began (`Date.now()`), for the first-frame timeout.
    waiting_since: f64,
    /// A frame has been ingested.
    ready: bool,
}

enum Step {
    Continue,
    SwitchCamera(
        String,
        futures_channel::oneshot::Sender<Result<(), SdkError>>,
    ),
    End(End),
}

fn fail(error: SdkError, server_ended: bool) -> Step {
    Step::End(End::Failed {
        error,
        server_ended,
    })
}

/// The room the session publishes into.
fn room_of(live: &Live) -> Option<&RoomOwner> {
    match live.link.as_ref().map(|l| &l.uplink) {
        Some(Uplink::Room(room)) => Some(room),
        _ => None,
    }
}

fn after(ms: u32, inbox: &UnboundedSender<Event>, event: fn() -> V1Event) -> Timer {
    let inbox = inbox.clone();
    Timer::once(ms, move || post(&inbox, Event::V1beta(event())))
}

/// What the loop's handlers share.
#[derive(Clone, Copy)]
pub(super) struct Ctx<'a> {
    /// The session's config.
    pub config: &'a SessionConfig,
    /// What the facade reads.
    pub shared: &'a Rc<RefCell<Shared>>,
    /// The task's own inbox, for timers and spawned calls.
    pub inbox: &'a UnboundedSender<Event>,
    /// The session's endpoint (its region remembered).
    pub http: &'a V1betaHttp,
    /// The v1beta options.
    pub options: &'a V1betaOptions,
}

/// Runs the session until it stops or fails, then releases it.
pub(super) async fn run(ctx: Ctx<'_>, mut live: Live, mut events: UnboundedReceiver<Event>) {
    let Ctx {
        config,
        shared,
        inbox,
        http,
        ..
    } = ctx;
    let mut cycle = Cycle {
        poll_timer: None,
        question_timer: None,
        asking: false,
        waiting_since: js_sys::Date::now(),
        ready: false,
    };
    post(inbox, Event::V1beta(V1Event::PollDue));
    let end = loop {
        let Some(event) = events.next().await else {
            break End::Stopped(Vec::new());
        };
        match handle(ctx, &mut live, &mut cycle, event) {
            Step::Continue => {}
            Step::SwitchCamera(target, reply) => {
                let _ = reply.send(switch_camera(config, shared, &mut live, &target).await);
            }
            Step::End(end) => break end,
        }
        set_state(config, shared, health(&live, &cycle));
    };
    config.log("releasing the session");
    if matches!(end, End::Stopped(_)) {
        set_state(config, shared, SessionState::Stopping);
    }
    let stream_id = live.stream_id();
    // Timers, the room (left), the tracks (stopped): now, before the DELETE.
    drop(cycle);
    drop(live);
    let delete = || async {
        match &stream_id {
            Some(id) => http.delete(id).await.map(|_| ()),
            None => Ok(()),
        }
    };
    match end {
        End::Stopped(replies) => {
            if let Err(e) = delete().await {
                report_error(config, &e);
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
            report_error(config, &error);
            if !server_ended {
                let _ = delete().await;
            }
            finish(config, shared, SessionState::Failed);
        }
    }
}

fn handle(ctx: Ctx<'_>, live: &mut Live, cycle: &mut Cycle, event: Event) -> Step {
    let Ctx {
        config,
        inbox,
        http,
        ..
    } = ctx;
    let id = live.stream_id().unwrap_or_default();
    match event {
        Event::Stop(reply) => return Step::End(End::Stopped(vec![reply])),
        Event::PageHidden => return Step::End(End::Unloaded),
        Event::SourceEnded(error) => return fail(error, false),
        Event::SwitchCamera(target, reply) => return Step::SwitchCamera(target, reply),
        Event::Peer(_, state) => {
            config.log(&format!("room {state:?}"));
            live.peer_connected = state == RtcPeerConnectionState::Connected;
            live.ever_connected |= live.peer_connected;
            if state == RtcPeerConnectionState::Failed {
                let error = SdkError::new(
                    ErrorKind::WebRtc,
                    "the LiveKit room dropped and rejoining with the newest token failed",
                );
                return fail(error, false);
            }
        }
        Event::RenewDue => {
            live.renew_timer = None;
            let (http, inbox) = (http.clone(), inbox.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = http.keepalive(&id).await;
                post(&inbox, Event::Renewed(0, outcome));
            });
        }
        Event::Renewed(_, Ok(answer)) => {
            let (ttl, token) = keepalive(&answer);
            config.log("lease renewed");
            if let (Some(room), Some(token)) = (room_of(live), token) {
                room.set_token(&token);
            }
            let ttl = match (live.link.as_mut(), ttl) {
                (Some(link), Some(ttl)) => {
                    link.ttl_seconds = ttl;
                    ttl
                }
                (Some(link), None) => link.ttl_seconds,
                (None, _) => 0.0,
            };
            live.renew_timer = Some(renew_after(renew_interval_ms(ttl), inbox));
        }
        // The HTTP layer already retried what the spec says to retry (§5).
        Event::Renewed(_, Err(error)) if error.kind == ErrorKind::NotFound => {
            let mut error = error;
            error.kind = ErrorKind::StreamEnded;
            error.message = format!("the server ended the stream ({})", error.message);
            return fail(error, true);
        }
        Event::Renewed(_, Err(error)) => return fail(error, false),
        Event::V1beta(event) => return cycle_event(ctx, cycle, event, &id),
        // Streams-API events (results socket, ICE) do not occur here.
        _ => {}
    }
    Step::Continue
}

fn cycle_event(ctx: Ctx<'_>, cycle: &mut Cycle, event: V1Event, id: &str) -> Step {
    let Ctx {
        config,
        shared,
        inbox,
        http,
        options,
    } = ctx;
    let mode = config.request.effective_mode();
    let processing = &config.request.processing;
    match event {
        V1Event::PollDue => {
            cycle.poll_timer = None;
            let (http, inbox, id) = (http.clone(), inbox.clone(), id.to_string());
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = http.status(&id).await;
                post(&inbox, Event::V1beta(V1Event::Polled(outcome)));
            });
        }
        V1Event::Polled(Ok(status)) => {
            if let Some(reason) = ended(&status) {
                let error = SdkError::new(
                    ErrorKind::StreamEnded,
                    format!("the server ended the stream: {reason}"),
                );
                return fail(error, true);
            }
            if has_frames(&status) {
                config.log("first frame ingested");
                cycle.ready = true;
                let waiters = {
                    let mut s = shared.borrow_mut();
                    s.v1beta.as_mut().map_or_else(Vec::new, |v1| {
                        v1.ready = true;
                        std::mem::take(&mut v1.ready_waiters)
                    })
                };
                for waiter in waiters {
                    let _ = waiter.send(());
                }
                post(inbox, Event::V1beta(V1Event::QuestionDue));
            } else if js_sys::Date::now() - cycle.waiting_since > FIRST_FRAME_TIMEOUT_MS {
                let error = SdkError::new(
                    ErrorKind::WebRtc,
                    "no published frame reached the server within 30 s",
                );
                return fail(error, false);
            } else {
                cycle.poll_timer = Some(after(POLL_EVERY_MS, inbox, || V1Event::PollDue));
            }
        }
        V1Event::Polled(Err(error)) if ends_session(&error) => return fail(error, false),
        V1Event::Polled(Err(_)) => {
            cycle.poll_timer = Some(after(POLL_RETRY_MS, inbox, || V1Event::PollDue));
        }
        V1Event::QuestionDue => {
            cycle.question_timer = None;
            let prompt = shared
                .borrow()
                .v1beta
                .as_ref()
                .and_then(|v1| v1.prompt.clone());
            let (Some(prompt), Some(asker), false) =
                (prompt, Asker::of(config, shared), cycle.asking)
            else {
                return Step::Continue;
            };
            cycle.asking = true;
            let ask = Ask {
                prompt,
                media: Media::periodic(mode, processing),
                stream: options.stream,
                on_partial: options.on_partial.clone(),
            };
            let inbox = inbox.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let sent_at = js_sys::Date::now();
                let outcome = asker.ask(ask).await;
                post(&inbox, Event::V1beta(V1Event::Answered(sent_at, outcome)));
            });
        }
        V1Event::Answered(sent_at, outcome) => {
            cycle.asking = false;
            let sink = shared.borrow().results.clone();
            match outcome {
                Ok(result) => deliver_result(&sink, &result),
                Err(error) if ends_session(&error) => return fail(error, false),
                Err(error) => {
                    config.log(&format!("question failed: {error}"));
                    let prompt = shared
                        .borrow()
                        .v1beta
                        .as_ref()
                        .and_then(|v| v.prompt.clone());
                    let context = ResultContext {
                        stream_id: id.to_string(),
                        mode,
                        model: config.request.inference.model.clone(),
                        prompt: prompt.unwrap_or_default(),
                        latency_ms: js_sys::Date::now() - sent_at,
                    };
                    deliver_result(&sink, &failed_result_object(&error, &context));
                }
            }
            let elapsed = js_sys::Date::now() - sent_at;
            let delay = next_question_delay_ms(processing.result_interval_seconds(mode), elapsed);
            cycle.question_timer = Some(after(delay, inbox, || V1Event::QuestionDue));
        }
    }
    Step::Continue
}

/// `connecting` until the room is joined and a frame ingested, `streaming` while the
/// room is connected, `reconnecting` while livekit-client or the rejoin work.
fn health(live: &Live, cycle: &Cycle) -> SessionState {
    if !(live.ever_connected && cycle.ready) {
        SessionState::Connecting
    } else if live.peer_connected {
        SessionState::Streaming
    } else {
        SessionState::Reconnecting
    }
}
