//! The results WebSocket: sends `{"api_key": …}` first, then forwards every message
//! and the close to the session's channel.

use super::error::SdkError;
use super::json;
use js_sys::{Object, Reflect};
use overshoot_protocol::ErrorKind;
use wasm_bindgen::prelude::*;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

/// What the socket reports.
pub enum SocketEvent {
    /// A text message, still as a JS string (parsed by the receiver with `JSON.parse`).
    Message(JsValue),
    /// The socket closed with this code and reason.
    Closed {
        /// Close code (1008 auth, 1001 stream ended, others dropped).
        code: u16,
        /// Close reason.
        reason: String,
    },
}

/// Owns one WebSocket and its handlers; on drop the handlers are removed first (so no
/// dropped closure is ever called) and the socket is closed with 1000.
pub struct SocketOwner {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl SocketOwner {
    /// Opens `url` and authenticates with `api_key` in the first message (never in the URL).
    pub fn open(
        url: &str,
        api_key: &str,
        on_event: impl Fn(SocketEvent) + 'static,
    ) -> Result<SocketOwner, SdkError> {
        let ws = WebSocket::new(url).map_err(|e| {
            SdkError::from_js(ErrorKind::Network, "cannot open the results socket", e)
        })?;
        let auth = Object::new();
        let _ = Reflect::set(&auth, &"api_key".into(), &api_key.into());
        let auth = json::stringify(&auth)?.as_string().unwrap_or_default();
        let ws_for_open = ws.clone();
        let on_open = Closure::<dyn FnMut()>::new(move || {
            // A failed send surfaces as a close event, which the session handles.
            let _ = ws_for_open.send_with_str(&auth);
        });
        let on_event = std::rc::Rc::new(on_event);
        let forward = on_event.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            forward(SocketEvent::Message(e.data()));
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
            on_event(SocketEvent::Closed {
                code: e.code(),
                reason: e.reason(),
            });
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(SocketOwner {
            ws,
            _on_open: on_open,
            _on_message: on_message,
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
