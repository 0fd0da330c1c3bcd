//! One participant's signalling, sans IO: the join and reconnect answers, and what
//! each `SignalRequest` from livekit-client calls for. The socket handler
//! (`socket.rs`) does the I/O and the media work the [`Action`]s name.

use livekit_protocol as lk;
use lk::signal_request::Message as Req;
use lk::signal_response::Message as Resp;

/// The LiveKit server version the emulator reports (livekit-client refuses a join
/// answer without one).
pub const SERVER_VERSION: &str = "1.9.0";
/// Most tracks one participant may publish; further `add_track`s are refused.
pub const MAX_TRACKS: usize = 16;
/// Seconds between the client's pings, and without an answer before it gives up.
pub const PING_INTERVAL_S: i32 = 5;
/// See [`PING_INTERVAL_S`].
pub const PING_TIMEOUT_S: i32 = 15;

/// What the socket handler must do for a request.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Send this response (boxed: responses are large, the other actions small).
    Send(Box<Resp>),
    /// Answer this publisher offer (SDP, id) with the media layer, then send the
    /// answer with the same id.
    AnswerOffer(String, u32),
    /// Give the participant's media session this trickled remote candidate
    /// (`candidate:…`, RFC 8839 attribute value).
    AddCandidate(String),
    /// The client left: close the socket and the participant's media.
    Leave,
}

/// The signalling state of one participant.
#[derive(Clone, Debug)]
pub struct Participant {
    /// Server-assigned participant id (`PA_…`).
    pub sid: String,
    /// The identity its token names.
    pub identity: String,
    /// The room it joined.
    pub room: String,
    /// Tracks published so far (`TR_…` ids).
    pub tracks: Vec<lk::TrackInfo>,
    /// The video codec of the latest published track ("vp8", "h264"), which the
    /// answers put first, as a LiveKit server answers with the track's codec.
    pub video_codec: Option<String>,
    /// Whether its token lets it publish (a v1beta viewer token does not).
    pub can_publish: bool,
}

impl Participant {
    /// A participant that joined `room` as `identity`, with id `sid`.
    pub fn new(sid: String, identity: String, room: String) -> Self {
        Participant {
            sid,
            identity,
            room,
            tracks: Vec::new(),
            video_codec: None,
            can_publish: true,
        }
    }

    /// The answer to a fresh join: the participant (allowed to publish), the server
    /// version, the room and the ping cadence. The rest is optional for livekit-client.
    pub fn join_response(&self) -> Resp {
        Resp::Join(lk::JoinResponse {
            room: Some(lk::Room {
                sid: format!("RM_{}", self.room),
                name: self.room.clone(),
                ..Default::default()
            }),
            participant: Some(self.info()),
            server_version: SERVER_VERSION.into(),
            server_info: Some(lk::ServerInfo {
                version: SERVER_VERSION.into(),
                protocol: 16,
                ..Default::default()
            }),
            ping_interval: PING_INTERVAL_S,
            ping_timeout: PING_TIMEOUT_S,
            ..Default::default()
        })
    }

    /// The first message of a resume: livekit-client drops anything else until it.
    pub fn reconnect_response(&self) -> Resp {
        Resp::Reconnect(lk::ReconnectResponse::default())
    }

    fn info(&self) -> lk::ParticipantInfo {
        lk::ParticipantInfo {
            sid: self.sid.clone(),
            identity: self.identity.clone(),
            state: lk::participant_info::State::Active as i32,
            tracks: self.tracks.clone(),
            permission: Some(lk::ParticipantPermission {
                can_subscribe: true,
                can_publish: self.can_publish,
                can_publish_data: self.can_publish,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// What `request` calls for. `now_ms` is the server clock (for pong timestamps).
    pub fn handle(&mut self, request: Req, now_ms: i64) -> Vec<Action> {
        match request {
            Req::Offer(offer) => vec![Action::AnswerOffer(offer.sdp, offer.id)],
            Req::AddTrack(add) if !self.can_publish => {
                vec![Action::Send(Box::new(not_allowed(add)))]
            }
            Req::AddTrack(add) if self.tracks.len() >= MAX_TRACKS => {
                vec![Action::Send(Box::new(too_many_tracks(add)))]
            }
            Req::AddTrack(add) => vec![Action::Send(Box::new(self.publish(add)))],
            Req::Ping(ts) => vec![Action::Send(Box::new(Resp::Pong(ts)))],
            Req::PingReq(ping) => vec![Action::Send(Box::new(Resp::PongResp(lk::Pong {
                last_ping_timestamp: ping.timestamp,
                timestamp: now_ms,
            })))],
            Req::Leave(_) => vec![Action::Leave],
            Req::Trickle(t) => candidate_of(&t.candidate_init)
                .map(Action::AddCandidate)
                .into_iter()
                .collect(),
            // Subscriptions, permissions, sync state and the rest concern tracks
            // nobody subscribes to.
            _ => Vec::new(),
        }
    }

    /// `add_track` → `track_published`, with a new track id. A video codec the
    /// emulator cannot decode (VP9, AV1) is answered with VP8, which livekit-client
    /// then publishes instead (its fallback to the server's codec).
    fn publish(&mut self, add: lk::AddTrackRequest) -> Resp {
        let codecs = match add.simulcast_codecs.first() {
            Some(asked) if add.r#type == lk::TrackType::Video as i32 => {
                let codec = match asked.codec.to_ascii_lowercase().as_str() {
                    "h264" => "h264",
                    _ => "vp8",
                };
                self.video_codec = Some(codec.to_string());
                vec![lk::SimulcastCodecInfo {
                    mime_type: format!("video/{}", codec.to_ascii_uppercase()),
                    cid: add.cid.clone(),
                    ..Default::default()
                }]
            }
            _ => Vec::new(),
        };
        let track = lk::TrackInfo {
            codecs,
            sid: format!("TR_{}_{}", self.sid, self.tracks.len() + 1),
            r#type: add.r#type,
            name: add.name,
            width: add.width,
            height: add.height,
            source: add.source,
            ..Default::default()
        };
        self.tracks.push(track.clone());
        Resp::TrackPublished(lk::TrackPublishedResponse {
            cid: add.cid,
            track: Some(track),
        })
    }
}

/// The refusal of an `add_track` beyond [`MAX_TRACKS`]: a `request_response`
/// LIMIT_EXCEEDED naming the request (livekit-client's publish then times out).
fn too_many_tracks(add: lk::AddTrackRequest) -> Resp {
    Resp::RequestResponse(lk::RequestResponse {
        reason: lk::request_response::Reason::LimitExceeded as i32,
        message: format!("at most {MAX_TRACKS} tracks per participant"),
        request: Some(lk::request_response::Request::AddTrack(add)),
        ..Default::default()
    })
}

/// The refusal of an `add_track` from a participant whose token grants no publishing
/// (a subscribe-only viewer token): a `request_response` NOT_ALLOWED naming the request.
fn not_allowed(add: lk::AddTrackRequest) -> Resp {
    Resp::RequestResponse(lk::RequestResponse {
        reason: lk::request_response::Reason::NotAllowed as i32,
        message: "this token may not publish".into(),
        request: Some(lk::request_response::Request::AddTrack(add)),
        ..Default::default()
    })
}

/// The `candidate` of a trickled `RTCIceCandidateInit` (JSON); `None` for the empty
/// end-of-candidates one or anything unreadable.
fn candidate_of(init: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(init).ok()?;
    let candidate = value.get("candidate")?.as_str()?.trim();
    let candidate = candidate.strip_prefix("a=").unwrap_or(candidate);
    candidate
        .starts_with("candidate:")
        .then(|| candidate.to_string())
}

/// The server's own candidate, trickled to the publisher after an answer (the answer
/// carries it too): the first `a=candidate` of `answer`, for its first accepted
/// m-section (mid and index).
pub fn trickle_from_answer(answer: &str) -> Option<Resp> {
    let mut index = None;
    let mut mid = None;
    let mut candidate = None;
    let mut m_line = -1i64;
    for line in answer.lines().map(|l| l.trim_end_matches('\r')) {
        if let Some(m) = line.strip_prefix("m=") {
            m_line += 1;
            let accepted = m.split_whitespace().nth(1).is_some_and(|port| port != "0");
            if accepted && index.is_none() {
                index = Some(m_line);
            }
        } else if let Some(v) = line.strip_prefix("a=mid:") {
            if index == Some(m_line) && mid.is_none() {
                mid = Some(v.to_string());
            }
        } else if let Some(c) = line.strip_prefix("a=") {
            if c.starts_with("candidate:") && candidate.is_none() {
                candidate = Some(c.to_string());
            }
        }
    }
    let init = serde_json::json!({
        "candidate": candidate?,
        "sdpMid": mid?,
        "sdpMLineIndex": index?,
    });
    Some(Resp::Trickle(lk::TrickleRequest {
        candidate_init: init.to_string(),
        target: lk::SignalTarget::Publisher as i32,
        ..Default::default()
    }))
}

/// The server's leave: `action` DISCONNECT (livekit-client emits `disconnected`
/// with `reason`) or RESUME/RECONNECT (it comes back).
pub fn leave(reason: lk::DisconnectReason, action: lk::leave_request::Action) -> Resp {
    Resp::Leave(lk::LeaveRequest {
        can_reconnect: action != lk::leave_request::Action::Disconnect,
        reason: reason as i32,
        action: action as i32,
        ..Default::default()
    })
}

#[cfg(test)]
#[path = "signal_tests.rs"]
mod tests;
