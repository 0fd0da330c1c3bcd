//! One-shot timer owners: cleared on drop, so a dropped session never fires.

use super::runtime::WorkerTimer;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// Where a timer keeps its time.
enum Handle {
    /// The global `setTimeout` id.
    Main(JsValue),
    /// A worker-backed timeout (`js/runtime.js`).
    Steady(WorkerTimer),
}

/// A pending timeout that runs `on_fire` once after a delay, unless dropped first.
pub struct Timer {
    handle: Handle,
    _callback: Closure<dyn FnMut()>,
}

fn once_callback(on_fire: impl FnOnce() + 'static) -> Closure<dyn FnMut()> {
    let mut on_fire = Some(on_fire);
    Closure::<dyn FnMut()>::new(move || {
        if let Some(f) = on_fire.take() {
            f();
        }
    })
}

impl Timer {
    /// Schedules `on_fire` after `delay_ms` milliseconds with the global `setTimeout`
    /// (works in windows and workers). In a hidden tab the browser may run it late.
    pub fn once(delay_ms: u32, on_fire: impl FnOnce() + 'static) -> Timer {
        let callback = once_callback(on_fire);
        let ms = i32::try_from(delay_ms).unwrap_or(i32::MAX);
        let id = set_timeout(callback.as_ref().unchecked_ref(), ms);
        Timer {
            handle: Handle::Main(id),
            _callback: callback,
        }
    }

    /// Schedules `on_fire` after `delay_ms` milliseconds, on time even in a hidden tab:
    /// the time is kept in a dedicated worker, which Chromium does not throttle (hidden
    /// pages get 1-second, later 1-minute, timer wake-ups:
    /// <https://developer.chrome.com/blog/timer-throttling-in-chrome-88>). Where the
    /// page cannot start a worker (no `Worker`, or a CSP that forbids `blob:` workers)
    /// it falls back to `setTimeout` with the same deadline. For deadlines a server
    /// enforces, such as the lease; one worker per pending timer.
    pub fn steady(delay_ms: u32, on_fire: impl FnOnce() + 'static) -> Timer {
        let callback = once_callback(on_fire);
        // Like setTimeout's, a worker's delay above 2^31-1 ms would fire at once.
        let ms = delay_ms.min(i32::MAX as u32);
        let steady = WorkerTimer::new(ms, callback.as_ref().unchecked_ref());
        Timer {
            handle: Handle::Steady(steady),
            _callback: callback,
        }
    }

    /// The worker-backed timeout of a steady timer (for tests).
    #[cfg(test)]
    pub fn worker_timer(&self) -> Option<WorkerTimer> {
        match &self.handle {
            Handle::Main(_) => None,
            Handle::Steady(steady) => Some(steady.clone()),
        }
    }
}

/// Resolves after `ms` milliseconds (`Timer::once`; cleared if the future is dropped).
pub async fn sleep(ms: u32) {
    let (done, wait) = futures_channel::oneshot::channel();
    let _timer = Timer::once(ms, move || {
        let _ = done.send(());
    });
    let _ = wait.await;
}

impl Drop for Timer {
    fn drop(&mut self) {
        // Before `_callback` is freed: the JS side must never call it afterwards.
        match &self.handle {
            Handle::Main(id) => clear_timeout(id),
            Handle::Steady(steady) => steady.cancel(),
        }
    }
}
