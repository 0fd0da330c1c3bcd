//! The page's `pagehide` event: when the tab closes or navigates away while a stream
//! runs, the stream must be deleted, or it keeps being billed until its lease expires.

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
