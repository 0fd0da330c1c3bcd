//! Reads a `POST /streams` body given in the wire format (`StreamClient.createStream`)
//! with the same strict readers as the config: a wrong type is a `ValidationError`
//! naming the wire path (`processing.target_fps`), never a coercion.

use super::config::read_processing_fields;
use crate::platform::error::SdkError;
use crate::platform::js_object::JsObject;
use overshoot_protocol::*;
use wasm_bindgen::JsValue;

/// The request, typed; the rules of the spec are checked by the caller.
pub fn read_wire_request(value: &JsValue) -> Result<CreateStreamRequest<JsValue>, SdkError> {
    let req = JsObject::root(value, "request")?;
    let source = match req.object("source")? {
        None => None,
        Some(v) => {
            let s = JsObject::new(&v, "source")?;
            match s.one_of("type", &["webrtc", "livekit"])?.as_deref() {
                Some("webrtc") => Some(Source::Webrtc {
                    sdp: s.string("sdp")?.unwrap_or_default(),
                }),
                Some(_) => Some(Source::Livekit {
                    url: s.string("url")?.unwrap_or_default(),
                    token: s.string("token")?.unwrap_or_default(),
                }),
                None => {
                    return Err(SdkError::validation(
                        "source.type",
                        "is required: \"webrtc\" or \"livekit\"",
                    ))
                }
            }
        }
    };
    let webrtc = match req.object("webrtc")? {
        None => None,
        Some(v) => {
            let w = JsObject::new(&v, "webrtc")?;
            Some(SessionDescription {
                kind: w.string("type")?.unwrap_or_default(),
                sdp: w.string("sdp")?.unwrap_or_default(),
            })
        }
    };
    let mode = match req.one_of("mode", &["clip", "frame"])?.as_deref() {
        Some("clip") => Some(Mode::Clip),
        Some(_) => Some(Mode::Frame),
        None => None,
    };
    let processing = match req.object("processing")? {
        None => Processing::default(),
        Some(v) => read_processing_fields(&JsObject::new(&v, "processing")?)?,
    };
    let inference_value = req
        .object("inference")?
        .ok_or_else(|| SdkError::validation("inference", "is required: {prompt, model, ...}"))?;
    let inf = JsObject::new(&inference_value, "inference")?;
    let inference = Inference {
        prompt: inf.string("prompt")?.unwrap_or_default(),
        model: inf.string("model")?.unwrap_or_default(),
        backend: match inf.one_of("backend", &["overshoot", "gemini"])?.as_deref() {
            Some("gemini") => Some(Backend::Gemini),
            Some(_) => Some(Backend::Overshoot),
            None => None,
        },
        output_schema_json: inf.object("output_schema_json")?,
        max_output_tokens: inf.positive_integer("max_output_tokens")?,
    };
    let client = match req.object("client")? {
        None => None,
        Some(v) => Some(ClientInfo {
            request_id: JsObject::new(&v, "client")?.string("request_id")?,
        }),
    };
    Ok(CreateStreamRequest {
        source,
        webrtc,
        mode,
        processing,
        inference,
        client,
    })
}
