//! `RealtimeVision`'s per-question calls: `ask()`, `getStatus()`, `viewerToken()`, and
//! `updatePrompt()` in v1beta. Only v1beta has them: with the streams API they reject
//! with a `ValidationError` whose `code` is `unsupported_by_api`. The surface is the
//! same in both builds (one `.d.ts`); the v1beta bodies are in `v1beta_calls.rs`, which
//! only the `v1beta` feature's build (the `overshoot-wasm/v1beta` entry) compiles.

use super::realtime_vision::RealtimeVision;
#[cfg(feature = "v1beta")]
use super::v1beta_calls;
use crate::platform::error::SdkError;
use js_sys::Promise;
use overshoot_protocol::ErrorKind;
use wasm_bindgen::prelude::*;

/// The error of a v1beta-only call made with the streams API.
pub(super) fn unsupported(call: &str, why: &str) -> SdkError {
    let mut error = SdkError::new(
        ErrorKind::Validation,
        format!("{call} needs a v1beta apiUrl (…/v1beta): {why}"),
    );
    error.code = Some("unsupported_by_api".into());
    error
}

/// A promise rejected with [`unsupported`].
fn refuse(call: &str, why: &str) -> Promise {
    Promise::reject(&unsupported(call, why).into())
}

/// What a v1beta `apiUrl` gets from the build without v1beta (the main entry): a
/// `ValidationError` on `apiUrl` (`code: "v1beta_entry_required"`) naming the entry to
/// import, at construction, before any network or media call.
#[cfg(not(feature = "v1beta"))]
pub(super) fn needs_v1beta_entry() -> SdkError {
    let mut error = SdkError::validation(
        "apiUrl",
        "names v1beta (…/v1beta), which the package's main entry does not include (so that streams-API pages do not download it): import from \"overshoot-wasm/v1beta\" (or \"overshoot-wasm/v1beta/manual-init\") to use v1beta",
    );
    error.code = Some("v1beta_entry_required".into());
    error
}

#[wasm_bindgen]
impl RealtimeVision {
    /// Asks one question about the running stream now and resolves with its answer
    /// (the result shape of `onResult`). `{frame: true}` looks at the newest frame,
    /// `{clipSeconds}` at the last seconds; by default what the periodic prompt looks
    /// at. Waits for the first ingested frame. v1beta only: the streams API has no
    /// per-question call (`ValidationError`, `code: "unsupported_by_api"`).
    #[wasm_bindgen(unchecked_return_type = "Promise<StreamResult>")]
    pub fn ask(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] question: JsValue,
        #[wasm_bindgen(unchecked_param_type = "AskOptions")] options: Option<JsValue>,
    ) -> Promise {
        #[cfg(feature = "v1beta")]
        if self.config.v1beta.is_some() {
            return v1beta_calls::ask(self, question, options);
        }
        let _ = (question, options);
        let why = "the streams API has no per-question call; its results follow the prompt";
        refuse("ask()", why)
    }

    /// The stream's status and frame telemetry (`GET /streams/{id}`, v1beta only).
    #[wasm_bindgen(js_name = getStatus, unchecked_return_type = "Promise<StreamStatus>")]
    pub fn get_status(&self) -> Promise {
        #[cfg(feature = "v1beta")]
        if self.config.v1beta.is_some() {
            return v1beta_calls::get_status(self);
        }
        refuse("getStatus()", "the streams API has no status call")
    }

    /// A subscribe-only LiveKit token for watching the stream
    /// (`POST /streams/{id}/viewer-token`, v1beta only).
    #[wasm_bindgen(js_name = viewerToken, unchecked_return_type = "Promise<ViewerTokenResponse>")]
    pub fn viewer_token(&self) -> Promise {
        #[cfg(feature = "v1beta")]
        if self.config.v1beta.is_some() {
            return v1beta_calls::viewer_token(self);
        }
        refuse("viewerToken()", "the streams API has no viewer tokens")
    }
}
