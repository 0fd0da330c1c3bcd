//! The signalling WebSocket (`/rtc/v1`, classic `/rtc`): admits the token, answers
//! the join or resume, then runs one participant: its requests through
//! [`Participant::handle`], its publisher offers through the peer layer, token
//! refreshes, and the server's leaves and injected drops.

use super::join::Join;
use super::rooms::{Control, Room};
use super::signal::{self, Action, Participant};
use super::token::Grant;
use crate::peer::{self, Answering, PeerHandle, VideoCodec};
use crate::state::AppState;
use axum::extract::ws::{Message, WebSocket};
use livekit_protocol as lk;
use lk::signal_response::Message as Resp;
use prost::Message as _;
use std::sync::Arc;
use std::time::Duration;

/// How long a participant whose socket dropped waits for a resume.
const RESUME_GRACE: Duration = Duration::from_secs(20);

/// Runs one admitted signalling socket for `identity` in `room_name`, opened on
/// `path` (`/rtc/v1` or `/rtc`, for the log).
pub async fn serve(
    state: Arc<AppState>,
    grant: Grant,
    join: Join,
    path: &'static str,
    mut ws: WebSocket,
) {
    let Grant {
        room: room_name,
        identity,
        can_publish,
    } = grant;
    let room = state.livekit.rooms.room(&room_name);
    let (control, mut controls) = tokio::sync::mpsc::unbounded_channel();
    let (mut participant, mut peer, socket_no) = if join.reconnect {
        match room.resume(&join.participant_sid, &identity, control) {
            Some(resumed) => {
                let first = resumed.0.reconnect_response();
                if send(&mut ws, first).await.is_err() {
                    return;
                }
                resumed
            }
            None => {
                // Unknown participant, or not this token's: tell the client to rejoin from scratch.
                let leave = signal::leave(
                    lk::DisconnectReason::StateMismatch,
                    lk::leave_request::Action::Reconnect,
                );
                let _ = send(&mut ws, leave).await;
                return;
            }
        }
    } else {
        let mut p = Participant::new(state.livekit.rooms.new_sid(), identity, room_name.clone());
        p.can_publish = can_publish;
        let n = room.join(p.clone(), control);
        if send(&mut ws, p.join_response()).await.is_err() {
            room.remove(&p.sid);
            return;
        }
        (p, None, n)
    };
    eprintln!(
        "livekit: {} {} room {room_name} via {path}",
        participant.sid,
        if join.reconnect {
            "resumed in"
        } else {
            "joined"
        }
    );
    if let Some((sdp, id)) = join.offer {
        if answer(&state, &room, &mut peer, &mut ws, (sdp, id), None)
            .await
            .is_err()
        {
            return;
        }
        room.update(&participant, peer.as_ref());
    }
    let lifetime = state.livekit.tokens.lifetime();
    let mut refresh = tokio::time::interval(lifetime / 2);
    refresh.tick().await; // the first tick is immediate
    loop {
        tokio::select! {
            incoming = ws.recv() => {
                let request = match incoming {
                    Some(Ok(Message::Binary(bytes))) => lk::SignalRequest::decode(bytes.as_ref()).ok(),
                    Some(Ok(_)) => continue,
                    None | Some(Err(_)) => break,
                };
                let Some(message) = request.and_then(|r| r.message) else { continue };
                let now_ms = super::unix_time().as_millis() as i64;
                let mut left = false;
                let mut broken = false;
                for action in participant.handle(message, now_ms) {
                    let sent = match action {
                        Action::Send(resp) => send(&mut ws, *resp).await,
                        Action::AnswerOffer(sdp, id) => {
                            let prefer = participant.video_codec.as_deref().and_then(VideoCodec::from_sdp_name);
                            answer(&state, &room, &mut peer, &mut ws, (sdp, id), prefer).await
                        }
                        Action::AddCandidate(candidate) => {
                            if let Some(p) = &peer { p.add_remote_candidate(candidate); }
                            Ok(())
                        }
                        Action::Leave => { left = true; Ok(()) }
                    };
                    if sent.is_err() { broken = true; break; }
                }
                room.update(&participant, peer.as_ref());
                if left {
                    eprintln!("livekit: {} left room {room_name}", participant.sid);
                    room.remove(&participant.sid);
                    let _ = ws.send(Message::Close(None)).await;
                    return;
                }
                if broken {
                    break; // the socket failed mid-way: end it, keep the participant for a resume
                }
            }
            Some(control) = controls.recv() => match control {
                Control::DropSignal => {
                    eprintln!("livekit: dropping the signalling socket of {} (fault)", participant.sid);
                    break; // dropped without a close frame: the client resumes
                }
                Control::EndRoom => {
                    let leave = signal::leave(
                        lk::DisconnectReason::RoomDeleted,
                        lk::leave_request::Action::Disconnect,
                    );
                    let _ = send(&mut ws, leave).await;
                    let _ = ws.send(Message::Close(None)).await;
                    return;
                }
                Control::RefreshToken(token) => {
                    if send(&mut ws, Resp::RefreshToken(token)).await.is_err() { break; }
                }
            },
            _ = refresh.tick() => {
                let tokens = &state.livekit.tokens;
                let fresh = tokens.mint_with(&room_name, &participant.identity, participant.can_publish, tokens.lifetime());
                if let Ok(token) = fresh {
                    if send(&mut ws, Resp::RefreshToken(token)).await.is_err() { break; }
                }
            }
        }
    }
    drop(ws);
    // Gone without a leave: keep the participant (and its media) for a resume.
    if room.detach(&participant.sid, socket_no) {
        tokio::spawn(async move {
            tokio::time::sleep(RESUME_GRACE).await;
            if room.still_detached(&participant.sid) {
                eprintln!("livekit: {} did not resume; removed", participant.sid);
                room.remove(&participant.sid);
            }
        });
    }
}

/// Answers a publisher offer: the first one makes the participant's media session
/// (decoding into the room's sink), later ones renegotiate it.
async fn answer(
    state: &AppState,
    room: &Room,
    peer: &mut Option<Arc<PeerHandle>>,
    ws: &mut WebSocket,
    (offer, id): (String, u32),
    prefer: Option<VideoCodec>,
) -> Result<(), axum::Error> {
    let answered = match peer {
        Some(p) => p.renegotiate(offer, prefer).await,
        None => {
            let sink = Arc::clone(&room.sink);
            let ip = state.settings.media_ip;
            let delay = state.settings.network_delay;
            let made = tokio::task::spawn_blocking(move || {
                peer::accept_offer_into(&offer, ip, sink, Answering::LiveKit, delay)
            })
            .await;
            match made {
                Ok(Ok((handle, sdp))) => {
                    *peer = Some(Arc::new(handle));
                    Ok(sdp)
                }
                Ok(Err(e)) => Err(e),
                Err(e) => Err(peer::PeerError::Io(e.to_string())),
            }
        }
    };
    match answered {
        Ok(sdp) => {
            // The answer carries the candidate; it is trickled as well, as LiveKit does.
            let trickle = signal::trickle_from_answer(&sdp);
            let answer = lk::SessionDescription {
                r#type: "answer".into(),
                sdp,
                id,
                ..Default::default()
            };
            send(ws, Resp::Answer(answer)).await?;
            match trickle {
                Some(t) => send(ws, t).await,
                None => Ok(()),
            }
        }
        Err(e) => {
            // livekit-client times the negotiation out and reconnects.
            eprintln!("livekit: offer {id} not answered: {e}");
            Ok(())
        }
    }
}

async fn send(ws: &mut WebSocket, message: Resp) -> Result<(), axum::Error> {
    let bytes = lk::SignalResponse {
        message: Some(message),
    }
    .encode_to_vec();
    ws.send(Message::Binary(bytes.into())).await
}
