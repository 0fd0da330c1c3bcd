//! Unit tests of the participant's signalling state (`signal.rs`).

use super::*;

fn participant() -> Participant {
    Participant::new("PA_1".into(), "app".into(), "room-1".into())
}

#[test]
fn join_answer_has_what_livekit_client_needs() {
    let Resp::Join(join) = participant().join_response() else {
        panic!("not a join")
    };
    let me = join.participant.unwrap();
    assert_eq!((me.sid.as_str(), me.identity.as_str()), ("PA_1", "app"));
    assert!(me.permission.unwrap().can_publish);
    assert!(!join.server_version.is_empty());
    assert!(join.ping_interval > 0 && join.ping_timeout > join.ping_interval);
    assert_eq!(
        participant().reconnect_response(),
        Resp::Reconnect(lk::ReconnectResponse::default())
    );
}

#[test]
fn requests_and_their_actions() {
    let mut p = participant();
    let offer = lk::SessionDescription {
        r#type: "offer".into(),
        sdp: "v=0".into(),
        id: 3,
        ..Default::default()
    };
    assert_eq!(
        p.handle(Req::Offer(offer), 0),
        vec![Action::AnswerOffer("v=0".into(), 3)]
    );
    assert_eq!(
        p.handle(
            Req::PingReq(lk::Ping {
                timestamp: 42,
                rtt: 1
            }),
            50
        ),
        vec![Action::Send(Box::new(Resp::PongResp(lk::Pong {
            last_ping_timestamp: 42,
            timestamp: 50
        })))]
    );
    assert_eq!(
        p.handle(Req::Ping(7), 9),
        vec![Action::Send(Box::new(Resp::Pong(7)))]
    );
    assert_eq!(
        p.handle(Req::Leave(Default::default()), 0),
        vec![Action::Leave]
    );
    assert_eq!(p.handle(Req::Trickle(Default::default()), 0), vec![]);
    let trickle = |init: &str| {
        Req::Trickle(lk::TrickleRequest {
            candidate_init: init.into(),
            ..Default::default()
        })
    };
    let host = r#"{"candidate":"candidate:1 1 udp 2122260223 192.0.2.2 5000 typ host generation 0","sdpMid":"0","sdpMLineIndex":0}"#;
    assert_eq!(
        p.handle(trickle(host), 0),
        vec![Action::AddCandidate(
            "candidate:1 1 udp 2122260223 192.0.2.2 5000 typ host generation 0".into()
        )]
    );
    assert_eq!(p.handle(trickle(r#"{"candidate":""}"#), 0), vec![]);
    assert_eq!(p.handle(trickle("not json"), 0), vec![]);
}

#[test]
fn add_track_is_published_with_the_cid_and_layers() {
    let mut p = participant();
    let layer = |q: lk::VideoQuality| lk::VideoLayer {
        quality: q as i32,
        ..Default::default()
    };
    let add = lk::AddTrackRequest {
        simulcast_codecs: vec![lk::SimulcastCodec {
            codec: "av1".into(),
            cid: "cam-1".into(),
            ..Default::default()
        }],
        cid: "cam-1".into(),
        r#type: lk::TrackType::Video as i32,
        width: 1280,
        height: 720,
        layers: vec![layer(lk::VideoQuality::Low), layer(lk::VideoQuality::High)],
        ..Default::default()
    };
    let actions = p.handle(Req::AddTrack(add), 0);
    let [Action::Send(sent)] = actions.as_slice() else {
        panic!("{actions:?}")
    };
    let Resp::TrackPublished(published) = sent.as_ref() else {
        panic!("{sent:?}")
    };
    assert_eq!(published.cid, "cam-1");
    let track = published.track.clone().unwrap();
    assert_eq!((track.sid.as_str(), track.width), ("TR_PA_1_1", 1280));
    assert_eq!(p.tracks.len(), 1);
    // AV1 is not decoded here: the server's codec is VP8.
    assert_eq!(track.codecs[0].mime_type, "video/VP8");
    assert_eq!(p.video_codec.as_deref(), Some("vp8"));
    let Resp::Join(join) = p.join_response() else {
        panic!()
    };
    assert_eq!(join.participant.unwrap().tracks.len(), 1);
}

#[test]
fn add_track_beyond_the_cap_is_refused() {
    let mut p = participant();
    let add = |n: usize| lk::AddTrackRequest {
        cid: format!("cam-{n}"),
        r#type: lk::TrackType::Video as i32,
        ..Default::default()
    };
    for n in 0..MAX_TRACKS {
        let actions = p.handle(Req::AddTrack(add(n)), 0);
        assert!(
            matches!(actions.as_slice(), [Action::Send(r)] if matches!(**r, Resp::TrackPublished(_))),
            "{actions:?}"
        );
    }
    let actions = p.handle(Req::AddTrack(add(MAX_TRACKS)), 0);
    let [Action::Send(sent)] = actions.as_slice() else {
        panic!("{actions:?}")
    };
    let Resp::RequestResponse(refused) = sent.as_ref() else {
        panic!("{sent:?}")
    };
    assert_eq!(
        refused.reason,
        lk::request_response::Reason::LimitExceeded as i32
    );
    assert_eq!(
        refused.request,
        Some(lk::request_response::Request::AddTrack(add(MAX_TRACKS)))
    );
    assert_eq!(p.tracks.len(), MAX_TRACKS);
}

#[test]
fn server_leave() {
    let Resp::Leave(l) = leave(
        lk::DisconnectReason::RoomDeleted,
        lk::leave_request::Action::Disconnect,
    ) else {
        panic!()
    };
    assert_eq!((l.reason, l.action, l.can_reconnect), (5, 0, false));
}

#[test]
fn the_answer_candidate_is_trickled_for_the_first_accepted_section() {
    let answer = "v=0\r\nm=audio 0 UDP 0\r\na=mid:0\r\nm=video 9 UDP 96\r\na=mid:1\r\n\
        a=candidate:abc 1 udp 2130706175 127.0.0.1 40000 typ host\r\n";
    let Some(Resp::Trickle(t)) = trickle_from_answer(answer) else {
        panic!("no trickle")
    };
    let init: serde_json::Value = serde_json::from_str(&t.candidate_init).unwrap();
    assert_eq!(
        init,
        serde_json::json!({"candidate": "candidate:abc 1 udp 2130706175 127.0.0.1 40000 typ host",
            "sdpMid": "1", "sdpMLineIndex": 1})
    );
    assert_eq!(t.target, lk::SignalTarget::Publisher as i32);
    assert_eq!(
        trickle_from_answer("v=0\r\nm=video 9 UDP 96\r\na=mid:0\r\n"),
        None
    );
}

#[test]
fn a_subscribe_only_participant_may_not_publish() {
    let mut viewer = participant();
    viewer.can_publish = false;
    let Resp::Join(join) = viewer.join_response() else {
        panic!("not a join")
    };
    let permission = join.participant.unwrap().permission.unwrap();
    assert!(!permission.can_publish && permission.can_subscribe);
    let add = lk::AddTrackRequest {
        cid: "c1".into(),
        r#type: lk::TrackType::Video as i32,
        ..Default::default()
    };
    let actions = viewer.handle(Req::AddTrack(add), 0);
    let [Action::Send(resp)] = actions.as_slice() else {
        panic!("{actions:?}")
    };
    let Resp::RequestResponse(refused) = resp.as_ref() else {
        panic!("{resp:?}")
    };
    assert_eq!(
        refused.reason,
        lk::request_response::Reason::NotAllowed as i32
    );
    assert!(viewer.tracks.is_empty());
}
