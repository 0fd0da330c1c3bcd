//! A one-shot `setTimeout` owner: cleared on drop, so a dropped session never fires.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// A pending timeout that runs `on_fire` once after a delay, unless dropped first.
/// Uses the global `setTimeout`, so it works in windows and workers.
pub struct Timer {
    id: JsValue,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    /// Schedules `on_fire` after `delay_ms` milliseconds.
    pub fn once(delay_ms: u32, on_fire: impl FnOnce() + 'static) -> Timer {
        let mut on_fire = Some(on_fire);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(f) = on_fire.take() {
                f();
            }
        });
        let ms = i32::try_from(delay_ms).unwrap_or(i32::MAX);
        let id = set_timeout(callback.as_ref().unchecked_ref(), ms);
        Timer {
            id,
            _callback: callback,
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        clear_timeout(&self.id);
    }
}
