//! `StreamClient`'s v1beta-only endpoints: stream status, viewer token and chat
//! completions (JSON or streamed). With the streams API they reject with a
//! `ValidationError` whose `code` is `unsupported_by_api`, and so do they in the build
//! without the `v1beta` feature (the main entry, which refuses a v1beta `apiUrl`).

#[cfg(feature = "v1beta")]
use super::promise;
#[cfg(feature = "v1beta")]
use super::stream_client::id_arg;
use super::stream_client::StreamClient;
use super::v1beta::unsupported;
#[cfg(feature = "v1beta")]
use crate::platform::error::SdkError;
#[cfg(feature = "v1beta")]
use crate::platform::js_object::JsObject;
#[cfg(feature = "v1beta")]
use crate::platform::v1beta_http::V1betaHttp;
#[cfg(feature = "v1beta")]
use crate::platform::v1beta_wire::{created, stream_id_of, usage_object};
use js_sys::Promise;
#[cfg(feature = "v1beta")]
use js_sys::{Array, Function, Object, Reflect};
#[cfg(feature = "v1beta")]
use overshoot_protocol::v1beta::answer::Answer;
use wasm_bindgen::prelude::*;

#[cfg(feature = "v1beta")]
/// `POST /streams` in v1beta: `{}` when the app gave no body. A created stream whose
/// answer cannot be read is deleted (the app could not use it, and it would stay leased).
pub(super) async fn create_v1beta(http: &V1betaHttp, body: JsValue) -> Result<JsValue, SdkError> {
    let body = if body.is_undefined() || body.is_null() {
        Object::new().into()
    } else {
        JsObject::new(&body, "request")?;
        body
    };
    let answer = http.create_stream(&body).await?;
    if let Err(error) = created(&answer) {
        if let Some(id) = stream_id_of(&answer) {
            let _ = http.delete(&id).await;
        }
        return Err(error);
    }
    Ok(answer)
}

#[cfg(feature = "v1beta")]
fn set(object: &Object, key: &str, value: &JsValue) {
    // Cannot fail on a fresh plain object.
    let _ = Reflect::set(object, &key.into(), value);
}

#[cfg(feature = "v1beta")]
/// A streamed answer in the shape of a JSON `chat.completion` (§10.3), so both forms
/// of `chatCompletions()` resolve alike.
fn completion_object(answer: &Answer, model: JsValue) -> JsValue {
    let message = Object::new();
    set(&message, "role", &"assistant".into());
    set(&message, "content", &answer.text.as_str().into());
    let choice = Object::new();
    set(&choice, "index", &0.into());
    set(&choice, "message", &message);
    let finish = answer
        .finish_reason
        .as_deref()
        .map_or(JsValue::NULL, JsValue::from_str);
    set(&choice, "finish_reason", &finish);
    let o = Object::new();
    set(&o, "id", &answer.id.as_str().into());
    set(&o, "object", &"chat.completion".into());
    set(&o, "model", &model);
    set(&o, "choices", &Array::of1(&choice));
    if let Some(usage) = answer.usage {
        set(&o, "usage", &usage_object(usage));
    }
    o.into()
}

/// The promise of a v1beta-only endpoint called with the streams API.
fn refuse(call: &str) -> Promise {
    let error = unsupported(call, "the streams API has no such endpoint");
    Promise::reject(&error.into())
}

#[wasm_bindgen]
impl StreamClient {
    /// `GET /streams/{id}`: status and frame telemetry (v1beta).
    #[wasm_bindgen(js_name = getStream, unchecked_return_type = "Promise<StreamStatus>")]
    pub fn get_stream(
        &self,
        #[wasm_bindgen(js_name = "streamId", unchecked_param_type = "string")] stream_id: JsValue,
    ) -> Promise {
        #[cfg(feature = "v1beta")]
        if let Some(http) = self.v1beta.clone() {
            return promise(async move { Ok(http.status(&id_arg(&stream_id)?).await?) });
        }
        let _ = stream_id;
        refuse("getStream()")
    }

    /// `POST /streams/{id}/viewer-token`: a subscribe-only LiveKit token (v1beta).
    #[wasm_bindgen(js_name = createViewerToken, unchecked_return_type = "Promise<ViewerTokenResponse>")]
    pub fn create_viewer_token(
        &self,
        #[wasm_bindgen(js_name = "streamId", unchecked_param_type = "string")] stream_id: JsValue,
    ) -> Promise {
        #[cfg(feature = "v1beta")]
        if let Some(http) = self.v1beta.clone() {
            return promise(async move { Ok(http.viewer_token(&id_arg(&stream_id)?).await?) });
        }
        let _ = stream_id;
        refuse("createViewerToken()")
    }

    /// `POST /chat/completions` with an OpenAI-style request (v1beta). With
    /// `stream: true` the answer is read as SSE: `onChunk` gets each parsed chunk as
    /// it arrives, and the promise resolves with the whole answer in the JSON shape.
    #[wasm_bindgen(js_name = chatCompletions, unchecked_return_type = "Promise<ChatCompletion>")]
    pub fn chat_completions(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ChatCompletionRequest")] request: JsValue,
        #[wasm_bindgen(
            js_name = "onChunk",
            unchecked_param_type = "(chunk: ChatCompletionChunk) => void"
        )]
        on_chunk: Option<JsValue>,
    ) -> Promise {
        #[cfg(feature = "v1beta")]
        if let Some(http) = self.v1beta.clone() {
            return chat(http, request, on_chunk);
        }
        let _ = (request, on_chunk);
        refuse("chatCompletions()")
    }
}

/// `chatCompletions()` against a v1beta endpoint.
#[cfg(feature = "v1beta")]
fn chat(http: V1betaHttp, request: JsValue, on_chunk: Option<JsValue>) -> Promise {
    promise(async move {
        let body = JsObject::root(&request, "request")?;
        body.required_string("model")?;
        body.array("messages")?
            .ok_or_else(|| SdkError::validation("messages", "is required"))?;
        if body.boolean("stream")? != Some(true) {
            return Ok(http.chat(&request).await?);
        }
        let on_chunk: Option<Function> = on_chunk.and_then(|f| f.dyn_into().ok());
        let answer = http
            .chat_stream(&request, &mut |chunk, _| {
                if let Some(callback) = &on_chunk {
                    crate::session::call_app(callback, chunk);
                }
            })
            .await?;
        let model = Reflect::get(&request, &"model".into()).unwrap_or(JsValue::NULL);
        Ok(completion_object(&answer, model))
    })
}
