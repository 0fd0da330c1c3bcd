//! Firefox's LiveKit publisher SDP, as headless Firefox ESR 153 with livekit-client
//! 2.23 sent it to this server (recorded by `tests/e2e/firefox-livekit.test.mjs`), through
//! a real str0m session. Firefox differs from Chromium in ways each answer must survive:
//! - no offer rides inside the join request (livekit-client leaves it out in Firefox for
//!   "connectivity issue about publisher offer with join on firefox #1919", see
//!   `isPublisherOfferWithJoinSupported` in
//!   <https://github.com/livekit/client-sdk-js/blob/main/src/room/utils.ts>), so the
//!   join offer (3 recvonly audio, 3 recvonly video, data) arrives as a plain `offer`;
//! - host candidates are mDNS names (`<uuid>.local`,
//!   <https://datatracker.ietf.org/doc/html/draft-ietf-mmusic-mdns-ice-candidates>), which
//!   this server cannot resolve: Firefox reaches our host candidate and shows up
//!   peer-reflexive;
//! - VP8 is payload type 120 (not 96), and the RID header extensions are offered
//!   with a direction (`a=extmap:9/sendonly …rtp-stream-id`);
//! - livekit-client's default simulcast is two layers in Firefox (`a=simulcast:send q;h`,
//!   a 640x480 camera), so the top layer is `h`, not `f`.

use super::*;

/// The recorded offers are stored with LF line ends; Firefox sent CRLF.
fn crlf(sdp: &str) -> String {
    sdp.lines().map(|l| format!("{l}\r\n")).collect()
}

fn join_offer() -> String {
    crlf(include_str!("testdata/firefox-livekit-join-offer.sdp"))
}

fn publish_offer() -> String {
    crlf(include_str!("testdata/firefox-livekit-publish-offer.sdp"))
}

/// The lines of the answer's m-section whose `a=mid:` is `mid`.
fn section<'a>(sdp: &'a str, mid: &str) -> Vec<&'a str> {
    let mut sections: Vec<Vec<&str>> = vec![];
    for line in sdp.lines() {
        if line.starts_with("m=") {
            sections.push(vec![]);
        }
        if let Some(s) = sections.last_mut() {
            s.push(line);
        }
    }
    let tag = format!("a=mid:{mid}");
    sections
        .into_iter()
        .find(|s| s.contains(&tag.as_str()))
        .unwrap_or_default()
}

#[tokio::test]
async fn firefox_join_then_simulcast_publish_is_answered_with_its_top_layer() {
    let ip: IpAddr = [127, 0, 0, 1].into();
    let (handle, join_answer) = accept_offer_into(
        &join_offer(),
        ip,
        Arc::new(FrameSink::default()),
        Answering::LiveKit,
        Duration::ZERO,
    )
    .expect("Firefox's join offer is accepted");
    assert!(
        join_answer.contains("a=group:BUNDLE 0 1 2 3 4 5 6\r\n"),
        "{join_answer}"
    );
    // Firefox offers actpass; like real servers we take the DTLS client role.
    assert!(join_answer.contains("a=setup:active\r\n"), "{join_answer}");
    assert!(!join_answer.contains("a=setup:passive"), "{join_answer}");

    let answer = handle
        .renegotiate(publish_offer(), Some(VideoCodec::Vp8))
        .await
        .expect("Firefox's publish offer is answered");
    let video = section(&answer, "7");
    assert_eq!(
        video.first().copied(),
        Some("m=video 9 UDP/TLS/RTP/SAVPF 120 124")
    );
    assert!(video.contains(&"a=rtpmap:120 VP8/90000"), "{video:?}");
    assert!(video.contains(&"a=recvonly"), "{video:?}");
    // Only Firefox's top layer, with the RID extensions at Firefox's own ids: without
    // them Firefox could not tell the layer by its rid.
    assert!(video.contains(&"a=rid:h recv"), "{video:?}");
    assert!(video.contains(&"a=simulcast:recv h"), "{video:?}");
    assert!(!video.iter().any(|l| l.starts_with("a=rid:q")), "{video:?}");
    assert!(
        video.contains(&"a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"),
        "{video:?}"
    );
    assert!(
        video.contains(&"a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"),
        "{video:?}"
    );
    handle.close();
}

#[test]
fn firefox_mdns_candidates_are_not_addresses() {
    // As Firefox trickles them: str0m cannot use a `.local` name, so the session drops
    // it (see `PeerHandle::add_remote_candidate`) and learns Firefox's address from its
    // STUN checks instead. A real-address candidate of the same shape is read.
    let mdns =
        "candidate:0 1 UDP 2122187007 ca15dd5b-7ca8-4142-b60c-be25027229f4.local 51907 typ host";
    let ip = "candidate:0 1 UDP 2122187007 192.0.2.2 51907 typ host";
    assert!(str0m::Candidate::from_sdp_string(mdns).is_err());
    assert!(str0m::Candidate::from_sdp_string(ip).is_ok());
}
