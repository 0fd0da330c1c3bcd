//! Plain-text SDP helpers: which video codecs an SDP names, the codec to pick
//! from an offer, and a fix-up of str0m's answer.

use super::{PeerError, VideoCodec, PREFERRED};

/// The offer as str0m reads it for the first answer, so that the answer takes the DTLS
/// client role (`a=setup:active`). Browsers offer `actpass`; str0m 0.25 always answers
/// that with `passive` (`init_dtls` in its `change/sdp.rs`, no setting), and answers
/// `active` when the offer says `passive`. Real servers answer `active`, as RFC 5763 §5
/// recommends: libwebrtc and Firefox (as answerers), pion (`defaultDtlsRoleAnswer =
/// DTLSRoleClient`, so LiveKit's server, which does not override it), aiortc
/// (`createAnswer`: role `auto` → `client`), webrtc-rs, libdatachannel (some pion-based apps force `passive`; what Overshoot's own
/// server answers is not known). The cost is real and paid by every client alike: the
/// server, ICE-controlled, may send its ClientHello only once the browser has nominated
/// a pair (half a round trip after the browser could have sent its own), so ICE + DTLS
/// took ~175 ms longer at 150 ms RTT than with `passive` (bench/phases.mjs, 16 runs
/// each, medians ~690 vs ~515 ms from the answer to str0m's `connected`).
pub(super) fn answer_as_dtls_client(offer: &str) -> String {
    offer.replace("a=setup:actpass", "a=setup:passive")
}

/// str0m writes the ICE candidates into the first m-section only. When that
/// section is rejected (port 0, e.g. an audio m-line we have no codec for),
/// browsers ignore its candidates and never connect; so every accepted section
/// that lacks them gets a copy (they all share one BUNDLE transport).
pub(super) fn candidates_in_accepted_sections(sdp: &str) -> String {
    let sections = split_sections(sdp);
    let is_candidate = |l: &&str| l.starts_with("a=candidate:");
    let accepted = |sec: &[&str]| {
        sec.first().is_some_and(|m| {
            m.starts_with("m=") && m.split_whitespace().nth(1).is_some_and(|port| port != "0")
        })
    };
    let candidates: Vec<&str> = sections
        .iter()
        .flatten()
        .copied()
        .filter(is_candidate)
        .collect();
    let fix_needed = !sections
        .iter()
        .any(|s| accepted(s) && s.iter().any(is_candidate));
    let mut out = String::with_capacity(sdp.len() + 256);
    for sec in &sections {
        let extra: &[&str] = if fix_needed && accepted(sec) {
            &candidates
        } else {
            &[]
        };
        for l in sec.iter().chain(extra) {
            out.push_str(l);
            out.push_str("\r\n");
        }
    }
    out
}

/// The decodable codecs the offer's video sections name, in our order of
/// preference ([`PREFERRED`]): the first is negotiated, the rest are fallbacks.
/// Never empty on success.
pub(super) fn choose_codecs(offer_sdp: &str) -> Result<Vec<VideoCodec>, PeerError> {
    if !offer_sdp
        .lines()
        .any(|l| l.trim_start().starts_with("m=video"))
    {
        if offer_sdp.trim_start().starts_with("v=") {
            return Err(PeerError::NoSupportedCodec(
                "the offer has no video m-line".into(),
            ));
        }
        return Err(PeerError::BadOffer("not an SDP offer (no v= line)".into()));
    }
    let offered = video_codecs(offer_sdp);
    let usable: Vec<VideoCodec> = PREFERRED
        .into_iter()
        .filter(|c| c.is_decodable() && offered.contains(c))
        .collect();
    if !usable.is_empty() {
        return Ok(usable);
    }
    let names = video_codec_names(offer_sdp);
    Err(PeerError::NoSupportedCodec(format!(
        "offer has [{}]; this emulator decodes {}",
        names.join(", "),
        PREFERRED.map(VideoCodec::name).join(", ")
    )))
}

/// Known codecs named by `a=rtpmap` lines inside active `m=video` sections.
pub(super) fn video_codecs(sdp: &str) -> Vec<VideoCodec> {
    let mut out = Vec::new();
    for name in video_codec_names(sdp) {
        if let Some(c) = VideoCodec::from_sdp_name(&name) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

/// Encoding names (upper case, deduplicated, in order) of `a=rtpmap` lines inside
/// `m=video` sections whose port is not 0.
fn video_codec_names(sdp: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut in_video = false;
    for line in sdp.lines().map(str::trim) {
        if let Some(m) = line.strip_prefix("m=") {
            let mut parts = m.split_whitespace();
            in_video = parts.next() == Some("video") && parts.next() != Some("0");
        } else if let Some(map) = line.strip_prefix("a=rtpmap:") {
            if !in_video {
                continue;
            }
            let encoding = map.split_whitespace().nth(1).unwrap_or("");
            let name = encoding
                .split('/')
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// Reduces every simulcast m-section of an offer to its top layer: the rid `f`
/// (livekit-client's full resolution) when present, else the last one listed. The
/// answer then reads `a=simulcast:recv f`, so the browser sends that one encoding
/// (with the RID header extensions still negotiated, which Chromium requires once
/// an offer has simulcast) and one decoder sees one layer.
pub(super) fn keep_top_simulcast_layer(offer: &str) -> String {
    let mut out = String::with_capacity(offer.len());
    for section in split_sections(offer) {
        let top = section
            .iter()
            .find_map(|l| l.strip_prefix("a=simulcast:send "))
            .and_then(|list| {
                let rids: Vec<&str> = list
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .split(';')
                    .filter_map(|alt| alt.split(',').next())
                    .map(|rid| rid.trim_start_matches('~'))
                    .filter(|rid| !rid.is_empty())
                    .collect();
                rids.iter()
                    .find(|r| **r == "f")
                    .or(rids.last())
                    .map(|r| r.to_string())
            });
        for line in section {
            if let Some(top) = &top {
                if line.starts_with("a=simulcast:send ") {
                    out.push_str(&format!("a=simulcast:send {top}\r\n"));
                    continue;
                }
                if let Some(rid) = line.strip_prefix("a=rid:") {
                    if rid.split_whitespace().next() != Some(top.as_str()) {
                        continue;
                    }
                }
            }
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out
}

/// Reorders the payload types of each `m=video` line of `answer` as the offer's
/// section with the same mid lists them, so the offerer's preferred codec comes
/// first and is the one it sends (str0m lists them in its configuration's order).
/// livekit-client puts the app's `videoCodec` first in the published section.
pub(super) fn follow_offer_codec_order(offer: &str, answer: &str) -> String {
    let offer_order: Vec<(String, Vec<String>)> = split_sections(offer)
        .iter()
        .filter_map(|sec| {
            let pts = sec.first()?.strip_prefix("m=video ")?;
            let mid = sec.iter().find_map(|l| l.strip_prefix("a=mid:"))?;
            let pts = pts.split_whitespace().skip(2).map(str::to_string).collect();
            Some((mid.to_string(), pts))
        })
        .collect();
    let mut out = String::with_capacity(answer.len());
    for sec in split_sections(answer) {
        let mid = sec.iter().find_map(|l| l.strip_prefix("a=mid:"));
        let order = mid.and_then(|m| offer_order.iter().find(|(om, _)| om == m));
        for (i, line) in sec.iter().enumerate() {
            match (i, line.strip_prefix("m=video "), order) {
                (0, Some(rest), Some((_, order))) => {
                    let mut parts: Vec<&str> = rest.split_whitespace().collect();
                    let head: Vec<&str> = parts.drain(..2.min(parts.len())).collect();
                    let rank = |pt: &&str| order.iter().position(|o| o == pt).unwrap_or(usize::MAX);
                    parts.sort_by_key(rank);
                    out.push_str(&format!("m=video {} {}", head.join(" "), parts.join(" ")));
                }
                _ => out.push_str(line),
            }
            out.push_str("\r\n");
        }
    }
    out
}

/// Moves the payload types of `codec` to the front of every `m=video` line (a
/// stable move: the others keep their order), so the browser sends `codec`.
pub(super) fn put_codec_first(answer: &str, codec: VideoCodec) -> String {
    let mut out = String::with_capacity(answer.len());
    for sec in split_sections(answer) {
        let pts: Vec<&str> = sec
            .iter()
            .filter_map(|l| l.strip_prefix("a=rtpmap:"))
            .filter_map(|map| {
                let (pt, encoding) = map.split_once(' ')?;
                let name = encoding.split('/').next()?;
                (VideoCodec::from_sdp_name(name) == Some(codec)).then_some(pt)
            })
            .collect();
        for (i, line) in sec.iter().enumerate() {
            match line.strip_prefix("m=video ") {
                Some(rest) if i == 0 => {
                    let mut parts: Vec<&str> = rest.split_whitespace().collect();
                    let head: Vec<&str> = parts.drain(..2.min(parts.len())).collect();
                    parts.sort_by_key(|pt| !pts.contains(pt));
                    out.push_str(&format!("m=video {} {}", head.join(" "), parts.join(" ")));
                }
                _ => out.push_str(line),
            }
            out.push_str("\r\n");
        }
    }
    out
}

/// The session part and the m-sections of an SDP, each as its non-empty lines.
fn split_sections(sdp: &str) -> Vec<Vec<&str>> {
    let mut sections: Vec<Vec<&str>> = vec![Vec::new()];
    for line in sdp
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.is_empty())
    {
        if line.starts_with("m=") {
            sections.push(Vec::new());
        }
        if let Some(last) = sections.last_mut() {
            last.push(line);
        }
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER_VP8_ONLY: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
        m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n\
        m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\n";

    #[test]
    fn codec_choice() {
        use VideoCodec::{Vp8, H264};
        assert_eq!(video_codec_names(OFFER_VP8_ONLY), vec!["VP8", "RTX"]);
        // Firefox-like: VP8 only (plus VP9/AV1 we ignore) -> VP8.
        assert_eq!(choose_codecs(OFFER_VP8_ONLY), Ok(vec![Vp8]));
        let firefox = OFFER_VP8_ONLY
            .replace("96 97\r\n", "96 97 98 99\r\n")
            .replace(
                "a=rtpmap:97 rtx/90000\r\n",
                "a=rtpmap:97 VP9/90000\r\na=rtpmap:98 AV1/90000\r\na=rtpmap:99 rtx/90000\r\n",
            );
        assert_eq!(choose_codecs(&firefox), Ok(vec![Vp8]));
        // Chromium-like: both offered, VP8 listed first -> H.264 first anyway.
        let both = OFFER_VP8_ONLY.replace("a=rtpmap:97 rtx", "a=rtpmap:97 h264");
        assert_eq!(choose_codecs(&both), Ok(vec![H264, Vp8]));
        let h264_only = OFFER_VP8_ONLY.replace("a=rtpmap:96 VP8", "a=rtpmap:96 H264");
        assert_eq!(choose_codecs(&h264_only), Ok(vec![H264]));
        // VP8 in a rejected (port 0) or audio section does not count.
        let rejected = OFFER_VP8_ONLY.replace("m=video 9", "m=video 0");
        assert!(matches!(
            choose_codecs(&rejected),
            Err(PeerError::NoSupportedCodec(_))
        ));
        let vp9_only = OFFER_VP8_ONLY.replace("a=rtpmap:96 VP8", "a=rtpmap:96 VP9");
        match choose_codecs(&vp9_only) {
            Err(PeerError::NoSupportedCodec(m)) => {
                assert!(m.contains("[VP9, RTX]") && m.contains("H264, VP8"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(choose_codecs(""), Err(PeerError::BadOffer(_))));
        assert!(matches!(
            choose_codecs("v=0\r\n"),
            Err(PeerError::NoSupportedCodec(_))
        ));
    }

    #[test]
    fn candidates_copied_out_of_rejected_section() {
        let sdp = "v=0\r\ns=-\r\nm=audio 0 UDP 0\r\na=candidate:1 1 udp 9 127.0.0.1 5 typ host\r\n\
            a=mid:0\r\nm=video 9 UDP 96\r\na=mid:1\r\n";
        let fixed = candidates_in_accepted_sections(sdp);
        let video = fixed.split("m=video").nth(1).unwrap_or("");
        assert!(
            video.contains("a=candidate:1 1 udp 9 127.0.0.1 5 typ host\r\n"),
            "{fixed}"
        );
        assert_eq!(fixed.matches("a=candidate").count(), 2);
        // Already-accepted first section: unchanged.
        let ok = sdp.replace("m=audio 0", "m=audio 9");
        assert_eq!(candidates_in_accepted_sections(&ok), ok);
    }

    #[test]
    fn simulcast_reduced_to_the_top_layer() {
        let offer = "v=0\r\nm=video 9 UDP 96\r\na=mid:0\r\na=recvonly\r\n\
            m=video 9 UDP 96\r\na=mid:7\r\na=rid:q send\r\na=rid:h send\r\n\
            a=rid:f send\r\na=simulcast:send q;h;f\r\n";
        let reduced = keep_top_simulcast_layer(offer);
        assert_eq!(
            reduced,
            "v=0\r\nm=video 9 UDP 96\r\na=mid:0\r\na=recvonly\r\n\
            m=video 9 UDP 96\r\na=mid:7\r\na=rid:f send\r\na=simulcast:send f\r\n"
        );
        // Other names: the last listed layer; no simulcast: unchanged.
        let other = offer
            .replace("q;h;f", "lo;~hi")
            .replace("a=rid:f send\r\n", "a=rid:hi send\r\n");
        assert!(keep_top_simulcast_layer(&other).contains("a=simulcast:send hi\r\n"));
        let plain = "v=0\r\nm=video 9 UDP 96\r\na=mid:0\r\n";
        assert_eq!(keep_top_simulcast_layer(plain), plain);
    }

    #[test]
    fn answer_follows_the_offer_codec_order() {
        let offer = "v=0\r\nm=video 9 UDP 102 103 96 97\r\na=mid:7\r\n";
        let answer =
            "v=0\r\nm=video 9 UDP 96 97 102 103\r\na=mid:7\r\nm=audio 9 UDP 111\r\na=mid:8\r\n";
        assert_eq!(
            follow_offer_codec_order(offer, answer),
            "v=0\r\nm=video 9 UDP 102 103 96 97\r\na=mid:7\r\nm=audio 9 UDP 111\r\na=mid:8\r\n"
        );
        // A section the offer does not have, or an unknown type: left in place / last.
        let other = answer.replace("a=mid:7", "a=mid:9");
        assert_eq!(follow_offer_codec_order(offer, &other), other);
    }

    #[test]
    fn preferred_codec_first() {
        let answer = "v=0\r\nm=video 9 UDP 96 97 102 103\r\na=mid:7\r\n\
            a=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\na=rtpmap:102 H264/90000\r\n\
            a=rtpmap:103 rtx/90000\r\n";
        let moved = put_codec_first(answer, VideoCodec::H264);
        assert!(moved.contains("m=video 9 UDP 102 96 97 103\r\n"), "{moved}");
        assert_eq!(put_codec_first(answer, VideoCodec::Vp8), answer);
    }
}
