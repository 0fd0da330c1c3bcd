//! Offer/answer with str0m: the session's configuration (which codecs its answers
//! carry), the first answer, and renegotiations on a running connection.

use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use str0m::change::SdpOffer;
use str0m::{Candidate, Rtc, RtcConfig};

use super::{sdp, Answering, PeerError, VideoCodec};

/// Tries `codecs` in order (each alone in the answer) and keeps the first that the
/// offer accepts (see [`negotiate`]).
pub(super) fn first_acceptable(
    offer_sdp: &str,
    codecs: &[VideoCodec],
    local: SocketAddr,
    started: Instant,
) -> Result<(VideoCodec, Rtc, String), PeerError> {
    let mut last_err = None;
    for &codec in codecs {
        match negotiate(offer_sdp, &[codec], local, started, Answering::Webrtc) {
            Ok((rtc, answer)) => return Ok((codec, rtc, answer)),
            Err(e @ PeerError::NoSupportedCodec(_)) => last_err = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_err
        .unwrap_or_else(|| PeerError::NoSupportedCodec("no decodable codec in the offer".into())))
}

/// Builds a str0m session that offers only `codecs` with one host candidate on
/// `local`, and accepts the offer with it. `NoSupportedCodec` if the answer does
/// not end up carrying one of them (none of the offered variants matched).
pub(super) fn negotiate(
    offer_sdp: &str,
    codecs: &[VideoCodec],
    local: SocketAddr,
    started: Instant,
    answering: Answering,
) -> Result<(Rtc, String), PeerError> {
    // Like real servers, the answer takes the DTLS client role (see the helper).
    let offer = parse_offer(&sdp::answer_as_dtls_client(offer_sdp))?;
    let candidate = Candidate::host(local, "udp")
        .map_err(|e| PeerError::Io(format!("host candidate {local}: {e}")))?;
    let mut config = rtc_config(codecs);
    if answering == Answering::LiveKit {
        // Accept livekit-client's receive-only audio sections (nothing is sent on
        // them): rejected, their m-lines get recycled for the next published track,
        // and when the recycled one is the BUNDLE tag Chromium starts a new ICE and
        // DTLS transport, which one str0m connection cannot follow.
        config = config.enable_opus(true, false);
    }
    let mut rtc = guarded(|| config.build(started)).map_err(PeerError::Io)?;
    if rtc.add_local_candidate(candidate).is_none() {
        return Err(PeerError::Io(format!(
            "str0m refused host candidate {local}"
        )));
    }
    let mut answer = accept(&mut rtc, offer)?;
    if answering == Answering::LiveKit {
        answer = sdp::follow_offer_codec_order(offer_sdp, &answer);
    }
    let answered = sdp::video_codecs(&answer);
    // A LiveKit publisher may offer no video yet (its tracks come with later offers).
    if answering == Answering::Webrtc && !codecs.iter().any(|c| answered.contains(c)) {
        let why = if codecs == [VideoCodec::H264] {
            " (only baseline profiles are decoded)"
        } else {
            ""
        };
        let names: Vec<&str> = codecs.iter().map(|c| c.name()).collect();
        return Err(PeerError::NoSupportedCodec(format!(
            "the offer's {} variants were not accepted{why}",
            names.join("/")
        )));
    }
    Ok((rtc, answer))
}

/// Answers a later offer on the running `rtc` (LiveKit renegotiates for every
/// published track, and offers an ICE restart after a resume).
/// `prefer`: the video codec to list first (the published track's).
pub(super) fn renegotiate(
    rtc: &mut Rtc,
    offer_sdp: &str,
    answering: Answering,
    prefer: Option<VideoCodec>,
) -> Result<String, PeerError> {
    let offer = match answering {
        Answering::LiveKit => sdp::keep_top_simulcast_layer(offer_sdp),
        Answering::Webrtc => offer_sdp.to_string(),
    };
    let parsed = parse_offer(&offer)?;
    let answer = accept(rtc, parsed)?;
    Ok(match answering {
        Answering::LiveKit => {
            let ordered = sdp::follow_offer_codec_order(&offer, &answer);
            match prefer {
                Some(codec) => sdp::put_codec_first(&ordered, codec),
                None => ordered,
            }
        }
        Answering::Webrtc => answer,
    })
}

fn parse_offer(offer_sdp: &str) -> Result<SdpOffer, PeerError> {
    guarded(|| SdpOffer::from_sdp_string(offer_sdp))
        .and_then(|r| r.map_err(|e| e.to_string()))
        .map_err(PeerError::BadOffer)
}

fn accept(rtc: &mut Rtc, offer: SdpOffer) -> Result<String, PeerError> {
    let answer = guarded(|| rtc.sdp_api().accept_offer(offer))
        .and_then(|r| r.map_err(|e| e.to_string()))
        .map_err(PeerError::BadOffer)?;
    Ok(sdp::candidates_in_accepted_sections(
        &answer.to_sdp_string(),
    ))
}

/// Runs str0m set-up code that is not supposed to panic, turning a panic into an error.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| "str0m panicked on this input".to_string())
}

/// str0m configuration whose answers carry only `codecs` (no audio codecs: an audio
/// m-line in the offer is rejected).
fn rtc_config(codecs: &[VideoCodec]) -> RtcConfig {
    let mut cfg = RtcConfig::new().clear_codecs();
    for codec in codecs {
        match codec {
            VideoCodec::H264 => {
                // OpenH264 is sure to decode the baseline family; browsers always offer
                // it. (pt, rtx pt, packetization-mode 1, profile-level-id)
                let variants: [(u8, u8, bool, u32); 4] = [
                    (127, 121, true, 0x42001f),
                    (125, 107, false, 0x42001f),
                    (108, 109, true, 0x42e01f),
                    (124, 120, false, 0x42e01f),
                ];
                for (pt, rtx, mode1, profile) in variants {
                    cfg.codec_config()
                        .add_h264(pt.into(), Some(rtx.into()), mode1, profile);
                }
            }
            VideoCodec::Vp8 => cfg = cfg.enable_vp8(true),
        }
    }
    cfg
}
