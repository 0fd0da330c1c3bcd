// The `overshoot-wasm/manual-init` entry: the whole API without loading the wasm. The app
// calls the default export (`await init()`, or `init({ module_or_path })` with a URL,
// `Response`, bytes or a compiled `WebAssembly.Module`) before constructing anything.
// The package's main entry (index.js) is this module plus that call at import time.
import loadWasm, { RealtimeVision as WasmRealtimeVision } from "./overshoot_wasm.js";

export * from "./overshoot_wasm.js";

let loading;

/**
 * Loads the wasm (the generated `init`, same argument), once: concurrent and later calls
 * share the first call's promise (the generated one would instantiate again and replace
 * the module the existing objects live in). After a failure the next call tries again.
 */
export default function init(moduleOrPath) {
  loading ??= loadWasm(moduleOrPath).catch((error) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

// Running sessions, held here so that the garbage collector cannot finalize one the app
// started without keeping a reference (`new RealtimeVision(config).start()`, with only
// the callbacks in use): finalizing frees the object, and freeing it stops the stream.
// A session leaves the set when it stops or fails; from then on it is the app's again.
const running = new Set();

/** `RealtimeVision` (see overshoot_wasm.d.ts), kept alive while its session runs. */
export class RealtimeVision extends WasmRealtimeVision {
  constructor(config) {
    const onStateChange = config?.onStateChange;
    const wrap = config !== null && typeof config === "object" && !Array.isArray(config) &&
      (onStateChange === undefined || typeof onStateChange === "function");
    // The wasm keeps this callback, and the wasm heap is a GC root: it may reach the
    // object only weakly, or a stopped session could never be collected.
    const self = {};
    super(wrap ? Object.create(config, {
      onStateChange: {
        enumerable: true,
        value: (state) => {
          if (state === "stopped" || state === "failed") running.delete(self.ref?.deref());
          onStateChange?.(state);
        },
      },
    }) : config);
    self.ref = new WeakRef(this);
  }

  start() {
    const started = super.start(); // throws on a freed object: then nothing is held
    running.add(this);
    return started;
  }
}
// The same module instance the wasm imports (scripts/build.sh fills in its path).
export {
  OvershootError, ValidationError, UnauthorizedError, InsufficientCreditsError, NotFoundError,
  RateLimitError, ServerError, NetworkError, ApiError, MediaError, WebRTCError,
  StreamEndedError, AbortError, ResultParseError, SourceLoadError, SourceEndedError,
  SourceUnsupportedError,
} from "__RUNTIME__";
