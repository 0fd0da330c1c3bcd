//! Reads the server's JSON answers (already parsed by the browser) into the
//! protocol's types: unknown fields ignored, `null` treated as absent, a wrong shape
//! an `ApiError` that says which field.

use super::error::SdkError;
use super::js_object::JsObject;
use js_sys::Array;
use overshoot_protocol::*;
use wasm_bindgen::JsValue;

fn malformed(what: &str, e: SdkError) -> SdkError {
    SdkError::new(
        ErrorKind::Api,
        format!("malformed {what} from the server: {}", e.message),
    )
}

/// The property unless it is `undefined` or `null`.
fn present(obj: &JsObject, key: &str) -> Result<Option<JsValue>, SdkError> {
    Ok(obj.get(key)?.filter(|v| !v.is_null()))
}

/// An optional string; `null` counts as absent (servers write it for empty fields).
fn opt_string(obj: &JsObject, key: &str) -> Result<Option<String>, SdkError> {
    match present(obj, key)? {
        None => Ok(None),
        Some(_) => obj.string(key),
    }
}

/// An optional number; `null` counts as absent.
fn opt_number(obj: &JsObject, key: &str) -> Result<Option<f64>, SdkError> {
    match present(obj, key)? {
        None => Ok(None),
        Some(_) => obj.number(key),
    }
}

/// The `stream_id` of a create answer that could not be read as a whole: that stream
/// exists and is billed, so the caller deletes it.
pub fn stream_id_of(value: &JsValue) -> Option<String> {
    js_sys::Reflect::get(value, &"stream_id".into())
        .ok()?
        .as_string()
        .filter(|id| !id.is_empty())
}

fn ice_server(value: &JsValue, path: &str) -> Result<IceServer, SdkError> {
    let s = JsObject::new(value, path)?;
    let urls = match s.get("urls")? {
        Some(u) if u.is_string() => IceUrls::One(u.as_string().unwrap_or_default()),
        Some(u) if Array::is_array(&u) => {
            let list = Array::from(&u);
            let urls: Option<Vec<String>> = list.iter().map(|x| x.as_string()).collect();
            IceUrls::Many(urls.ok_or_else(|| {
                SdkError::validation(&format!("{path}.urls"), "must hold only strings")
            })?)
        }
        _ => {
            return Err(SdkError::validation(
                &format!("{path}.urls"),
                "must be a string or an array of strings",
            ))
        }
    };
    Ok(IceServer {
        urls,
        username: opt_string(&s, "username")?,
        credential: opt_string(&s, "credential")?,
    })
}

fn read_create(value: &JsValue) -> Result<CreateStreamResponse, SdkError> {
    let r = JsObject::root(value, "response")?;
    let stream_id = r.required_string("stream_id")?;
    let webrtc = match present(&r, "webrtc")? {
        None => None,
        Some(v) => {
            let w = JsObject::new(&v, "webrtc")?;
            Some(SessionDescription {
                kind: opt_string(&w, "type")?.unwrap_or_default(),
                sdp: w.required_string("sdp")?,
            })
        }
    };
    let lease = match present(&r, "lease")? {
        None => None,
        Some(v) => opt_number(&JsObject::new(&v, "lease")?, "ttl_seconds")?
            .map(|ttl_seconds| Lease { ttl_seconds }),
    };
    let turn_servers = match present(&r, "turn_servers")? {
        None => None,
        Some(v) if Array::is_array(&v) => Some(
            Array::from(&v)
                .iter()
                .enumerate()
                .map(|(i, s)| ice_server(&s, &format!("turn_servers[{i}]")))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err(SdkError::validation("turn_servers", "must be an array")),
    };
    // Only the LiveKit transport joins that room. The main module refuses the transport
    // at construction and leaves the field unread: its `StreamClient.createStream`
    // returns the answer as the server sent it, `livekit` not checked (−111 B gzip).
    #[cfg(feature = "livekit")]
    let livekit = match present(&r, "livekit")? {
        None => None,
        Some(v) => {
            let l = JsObject::new(&v, "livekit")?;
            Some(LiveKitInfo {
                url: l.required_string("url")?,
                token: l.required_string("token")?,
            })
        }
    };
    #[cfg(not(feature = "livekit"))]
    let livekit = None;
    Ok(CreateStreamResponse {
        stream_id,
        webrtc,
        lease,
        turn_servers,
        livekit,
    })
}

/// The answer to `POST /streams`.
pub fn create_response(value: &JsValue) -> Result<CreateStreamResponse, SdkError> {
    read_create(value).map_err(|e| malformed("create-stream response", e))
}

/// The answer to `POST /streams/{id}/keepalive`.
pub fn keepalive_response(value: &JsValue) -> Result<KeepaliveResponse, SdkError> {
    let read = || -> Result<KeepaliveResponse, SdkError> {
        let r = JsObject::root(value, "response")?;
        Ok(KeepaliveResponse {
            status: opt_string(&r, "status")?.unwrap_or_default(),
            stream_id: opt_string(&r, "stream_id")?.unwrap_or_default(),
            ttl_seconds: present(&r, "ttl_seconds")?
                .and_then(|v| v.as_f64())
                .filter(|t| t.is_finite()),
            // The room's refreshed token: only the LiveKit transport rejoins with it.
            #[cfg(feature = "livekit")]
            livekit_token: present(&r, "livekit_token")?.and_then(|v| v.as_string()),
            #[cfg(not(feature = "livekit"))]
            livekit_token: None,
        })
    };
    read().map_err(|e| malformed("keepalive response", e))
}
