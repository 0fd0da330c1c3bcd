//! The results WebSocket. Results never enter wasm: `js/runtime.js` sends the
//! `{"api_key": …}` message, parses each message and hands results straight to the
//! app (counting them in the session's result sink). The session hears only what it
//! must act on: a socket's first message, malformed messages, and the close.

use super::error::SdkError;
use super::runtime::open_results_socket;
use overshoot_protocol::ErrorKind;
use wasm_bindgen::prelude::*;
use web_sys::{CloseEvent, WebSocket};

/// What the socket reports to the session.
pub enum SocketEvent {
    /// A message that is the socket's first (it is up again) or not a result
    /// (`malformed`). Well-formed results go to `onResult` without an event.
    Message {
        /// Not JSON, or not a result object.
        malformed: bool,
    },
    /// The socket closed with this code and reason.
    Closed {
        /// Close code (1008 auth, 1001 stream ended, others dropped).
        code: u16,
        /// Close reason.
        reason: String,
    },
}

/// Owns one WebSocket and its handlers; on drop the handlers are removed first (so no
/// dropped closure is ever called and no later result reaches the app) and the socket
/// is closed with 1000.
pub struct SocketOwner {
    ws: WebSocket,
    _on_notice: Closure<dyn FnMut(bool)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl SocketOwner {
    /// Opens `url`, authenticates with `api_key` in the first message (never in the
    /// URL) and delivers results through `sink` (see `resultSink` in `js/runtime.js`).
    pub fn open(
        url: &str,
        api_key: &str,
        sink: &JsValue,
        on_event: impl Fn(SocketEvent) + 'static,
    ) -> Result<SocketOwner, SdkError> {
        let on_event = std::rc::Rc::new(on_event);
        let forward = on_event.clone();
        let on_notice = Closure::<dyn FnMut(bool)>::new(move |malformed| {
            forward(SocketEvent::Message { malformed })
        });
        let ws = open_results_socket(url, api_key, sink, on_notice.as_ref().unchecked_ref())
            .map_err(|e| {
                SdkError::from_js(ErrorKind::Network, "cannot open the results socket", e)
            })?;
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
            on_event(SocketEvent::Closed {
                code: e.code(),
                reason: e.reason(),
            });
        });
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(SocketOwner {
            ws,
            _on_notice: on_notice,
            _on_close: on_close,
        })
    }
}

impl Drop for SocketOwner {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close_with_code(1000);
    }
}
