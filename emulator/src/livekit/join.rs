//! The join request in the signalling URL's query. `/rtc/v1` carries
//! `join_request`: base64url (padding kept) of a `WrappedJoinRequest` whose
//! `join_request` bytes are a `JoinRequest`, gzip-compressed when `compression` is
//! GZIP (livekit-client compresses when the browser has `CompressionStream`). The
//! classic `/rtc` path carries plain parameters (`reconnect=1&sid=…`).

use base64::Engine;
use livekit_protocol::{wrapped_join_request::Compression, JoinRequest, WrappedJoinRequest};
use prost::Message;
use std::collections::HashMap;
use std::io::Read;

/// What the emulator needs from a join.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Join {
    /// A resume of an existing participant (`reconnect`), not a new one.
    pub reconnect: bool,
    /// The participant being resumed.
    pub participant_sid: String,
    /// The publisher's first offer (v1 only): SDP and id.
    pub offer: Option<(String, u32)>,
}

/// Largest decompressed join request accepted (an SDP offer is a few KB).
const MAX_JOIN_BYTES: u64 = 1 << 20;

/// Decodes `/rtc/v1`'s `join_request` parameter.
pub fn decode_v1(param: &str) -> Result<Join, String> {
    let trimmed = param.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(trimmed)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed))
        .map_err(|e| format!("join_request is not base64: {e}"))?;
    let wrapped = WrappedJoinRequest::decode(bytes.as_slice())
        .map_err(|e| format!("join_request is not a WrappedJoinRequest: {e}"))?;
    let inner = match Compression::try_from(wrapped.compression) {
        Ok(Compression::None) => wrapped.join_request,
        Ok(Compression::Gzip) => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(wrapped.join_request.as_slice())
                .take(MAX_JOIN_BYTES)
                .read_to_end(&mut out)
                .map_err(|e| format!("join_request does not gunzip: {e}"))?;
            out
        }
        Err(_) => return Err(format!("unknown compression {}", wrapped.compression)),
    };
    let join =
        JoinRequest::decode(inner.as_slice()).map_err(|e| format!("not a JoinRequest: {e}"))?;
    Ok(Join {
        reconnect: join.reconnect,
        participant_sid: join.participant_sid,
        offer: join.publisher_offer.map(|o| (o.sdp, o.id)),
    })
}

/// Reads the classic `/rtc` query (`reconnect=1&sid=…`; the offer comes later).
pub fn decode_v0(query: &HashMap<String, String>) -> Join {
    Join {
        reconnect: query
            .get("reconnect")
            .is_some_and(|v| v == "1" || v == "true"),
        participant_sid: query.get("sid").cloned().unwrap_or_default(),
        offer: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use livekit_protocol::SessionDescription;
    use std::io::Write;

    fn encode(join: &JoinRequest, gzip: bool) -> String {
        let mut bytes = join.encode_to_vec();
        if gzip {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(&bytes).unwrap();
            bytes = enc.finish().unwrap();
        }
        let wrapped = WrappedJoinRequest {
            compression: if gzip {
                Compression::Gzip
            } else {
                Compression::None
            } as i32,
            join_request: bytes,
        };
        // livekit-client: base64 with + → -, / → _, padding kept.
        base64::engine::general_purpose::STANDARD
            .encode(wrapped.encode_to_vec())
            .replace('+', "-")
            .replace('/', "_")
    }

    #[test]
    fn v1_join_with_offer_gzip_and_plain() {
        let join = JoinRequest {
            publisher_offer: Some(SessionDescription {
                r#type: "offer".into(),
                sdp: "v=0\r\n".repeat(50),
                id: 1,
                ..Default::default()
            }),
            ..Default::default()
        };
        for gzip in [true, false] {
            let decoded = decode_v1(&encode(&join, gzip)).unwrap();
            assert_eq!(decoded.offer, Some(("v=0\r\n".repeat(50), 1)));
            assert!(!decoded.reconnect);
        }
        let resume = JoinRequest {
            reconnect: true,
            participant_sid: "PA_1".into(),
            ..Default::default()
        };
        let decoded = decode_v1(&encode(&resume, true)).unwrap();
        assert_eq!(
            (
                decoded.reconnect,
                decoded.participant_sid.as_str(),
                decoded.offer
            ),
            (true, "PA_1", None)
        );
        assert!(decode_v1("!!!").is_err());
    }

    #[test]
    fn v0_query() {
        let q: HashMap<String, String> = [
            ("reconnect".to_string(), "1".to_string()),
            ("sid".to_string(), "PA_2".to_string()),
        ]
        .into();
        assert_eq!(
            decode_v0(&q),
            Join {
                reconnect: true,
                participant_sid: "PA_2".into(),
                offer: None
            }
        );
        assert_eq!(decode_v0(&HashMap::new()), Join::default());
    }
}
