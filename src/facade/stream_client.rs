//! `StreamClient`: the API's endpoints one by one, for apps that manage transport
//! themselves. With a v1beta `apiUrl` the shared methods call the v1beta endpoints;
//! the v1beta-only ones are in `stream_client_v1beta.rs`.

use super::config::read_http;
use super::promise;
#[cfg(feature = "v1beta")]
use super::stream_client_v1beta::create_v1beta;
#[cfg(feature = "v1beta")]
use super::v1beta::unsupported;
use super::wire_request::read_wire_request;
use crate::platform::error::SdkError;
use crate::platform::http::ApiHttp;
use crate::platform::js_object::JsObject;
#[cfg(feature = "v1beta")]
use crate::platform::v1beta_http::V1betaHttp;
use crate::platform::wire_response;
use js_sys::Promise;
#[cfg(feature = "v1beta")]
use overshoot_protocol::v1beta::endpoints::Generation;
use overshoot_protocol::validate_request;
use wasm_bindgen::prelude::*;

/// Low-level client of the streams API. Every method returns the server's JSON
/// answer (typed in the `.d.ts`) or rejects with a typed error.
#[wasm_bindgen]
pub struct StreamClient {
    http: ApiHttp,
    /// The v1beta endpoint, when `apiUrl` selects v1beta.
    #[cfg(feature = "v1beta")]
    pub(super) v1beta: Option<V1betaHttp>,
}

/// `streamId` arguments: a non-empty string.
pub(super) fn id_arg(value: &JsValue) -> Result<String, SdkError> {
    value
        .as_string()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| SdkError::validation("streamId", "must be a non-empty string"))
}

#[wasm_bindgen]
impl StreamClient {
    /// `{apiKey, apiUrl?, allowInsecureHttp?}`; throws `ValidationError` when invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "StreamClientConfig")] config: JsValue,
    ) -> Result<StreamClient, JsValue> {
        let cfg = JsObject::root(&config, "config")?;
        let http = read_http(&cfg)?;
        Ok(StreamClient {
            #[cfg(feature = "v1beta")]
            v1beta: (http.base().generation() == Generation::V1beta)
                .then(|| V1betaHttp::new(http.clone())),
            http,
        })
    }

    /// `POST /streams` with a request in the wire format (snake_case), checked
    /// against the spec's rules first. v1beta: the body is optional (`{}`, or
    /// `{source: {type: "rtsp" | "hls", url}}`).
    // Typed by the overloads in `typescript_v1beta.rs`: this signature matches nothing.
    #[wasm_bindgen(js_name = createStream, unchecked_return_type = "Promise<never>")]
    pub fn create_stream(
        &self,
        #[wasm_bindgen(unchecked_param_type = "never")] request: JsValue,
    ) -> Promise {
        #[cfg(feature = "v1beta")]
        if let Some(v1) = self.v1beta.clone() {
            return promise(async move { Ok(create_v1beta(&v1, request).await?) });
        }
        let http = self.http.clone();
        promise(async move {
            let parsed = read_wire_request(&request)?;
            validate_request(&parsed).map_err(|e| SdkError::validation(&e.field, &e.message))?;
            let answer = http.create_stream(&request).await?;
            if let Err(error) = wire_response::create_response(&answer) {
                // The app cannot use a stream it cannot read; it must not stay billed.
                if let Some(id) = wire_response::stream_id_of(&answer) {
                    let _ = http.close_stream_reliably(&id).await;
                }
                return Err(error.into());
            }
            Ok(answer)
        })
    }

    /// `POST /streams/{id}/keepalive`.
    #[wasm_bindgen(js_name = renewLease, unchecked_return_type = "Promise<KeepaliveResponse | LeaseRenewal>")]
    pub fn renew_lease(
        &self,
        #[wasm_bindgen(js_name = "streamId", unchecked_param_type = "string")] stream_id: JsValue,
    ) -> Promise {
        #[cfg(feature = "v1beta")]
        if let Some(v1) = self.v1beta.clone() {
            return promise(async move { Ok(v1.keepalive(&id_arg(&stream_id)?).await?) });
        }
        let http = self.http.clone();
        promise(async move {
            let answer = http.renew_lease(&id_arg(&stream_id)?).await?;
            wire_response::keepalive_response(&answer)?;
            Ok(answer)
        })
    }

    /// `PATCH /streams/{id}/config/prompt`.
    #[wasm_bindgen(js_name = updatePrompt, unchecked_return_type = "Promise<PromptUpdateResponse>")]
    pub fn update_prompt(
        &self,
        #[wasm_bindgen(js_name = "streamId", unchecked_param_type = "string")] stream_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] prompt: JsValue,
    ) -> Promise {
        #[cfg(feature = "v1beta")]
        if self.v1beta.is_some() {
            let why = "v1beta streams have no prompt; ask with chatCompletions()";
            return Promise::reject(&unsupported("updatePrompt()", why).into());
        }
        let http = self.http.clone();
        promise(async move {
            let id = id_arg(&stream_id)?;
            let prompt = prompt
                .as_string()
                .filter(|p| !p.trim().is_empty())
                .ok_or_else(|| SdkError::validation("prompt", "must be a non-empty string"))?;
            Ok(http.update_prompt(&id, &prompt).await?)
        })
    }

    /// `DELETE /streams/{id}`: ends the stream and its billing. v1beta: `{id, deleted}`,
    /// or `null` when the stream was already gone (a repeated delete, §7).
    #[wasm_bindgen(js_name = closeStream, unchecked_return_type = "Promise<{status: string} | DeletedStream | null>")]
    pub fn close_stream(
        &self,
        #[wasm_bindgen(js_name = "streamId", unchecked_param_type = "string")] stream_id: JsValue,
    ) -> Promise {
        #[cfg(feature = "v1beta")]
        if let Some(v1) = self.v1beta.clone() {
            return promise(async move { Ok(v1.delete(&id_arg(&stream_id)?).await?) });
        }
        let http = self.http.clone();
        promise(async move { Ok(http.close_stream(&id_arg(&stream_id)?).await?) })
    }

    /// `GET /models`.
    #[wasm_bindgen(js_name = getModels, unchecked_return_type = "Promise<ModelInfo[] | ModelList>")]
    pub fn get_models(&self) -> Promise {
        #[cfg(feature = "v1beta")]
        if let Some(v1) = self.v1beta.clone() {
            return promise(async move { Ok(v1.models().await?) });
        }
        let http = self.http.clone();
        promise(async move { Ok(http.get_models().await?) })
    }
}
