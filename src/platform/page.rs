//! The page around a session: its `pagehide` event (when the tab closes or navigates
//! away while a stream runs, the stream must be deleted, or it keeps being billed until
//! its lease expires) and a connection hint for start-up.

use wasm_bindgen::prelude::*;
use web_sys::{EventTarget, Window};

/// Owns a `pagehide` listener on the window; removes it on drop.
pub struct PageHideOwner {
    window: Window,
    listener: Closure<dyn FnMut()>,
}

impl PageHideOwner {
    /// Calls `on_hide` on `pagehide` (fired on close, navigation and bfcache entry:
    /// <https://developer.mozilla.org/docs/Web/API/Window/pagehide_event>). `None`
    /// outside a window (workers have no pages).
    pub fn listen(on_hide: impl FnMut() + 'static) -> Option<PageHideOwner> {
        let window = web_sys::window()?;
        let listener = Closure::<dyn FnMut()>::new(on_hide);
        let target: &EventTarget = window.as_ref();
        target
            .add_event_listener_with_callback("pagehide", listener.as_ref().unchecked_ref())
            .ok()?;
        Some(PageHideOwner { window, listener })
    }
}

impl Drop for PageHideOwner {
    fn drop(&mut self) {
        let target: &EventTarget = self.window.as_ref();
        let _ = target.remove_event_listener_with_callback(
            "pagehide",
            self.listener.as_ref().unchecked_ref(),
        );
    }
}

/// A `<link rel="preconnect">` to the API while start-up runs, so the TLS handshake
/// overlaps opening the camera (see `preconnect` in `js/connection.js`). Removed on drop.
pub struct PreconnectHint {
    remove: Option<js_sys::Function>,
}

impl PreconnectHint {
    /// Hints the origin of `url`. A page that refuses the hint loses nothing: it is
    /// only a hint.
    pub fn add(url: &str) -> PreconnectHint {
        let remove = super::runtime::preconnect(url)
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        PreconnectHint { remove }
    }
}

impl Drop for PreconnectHint {
    fn drop(&mut self) {
        if let Some(remove) = self.remove.take() {
            let _ = remove.call0(&JsValue::NULL);
        }
    }
}
