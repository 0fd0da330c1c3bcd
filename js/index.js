// Entry point of the npm package: loads the WebAssembly module once (top-level await),
// then re-exports the API and the error classes, so apps can `new RealtimeVision(...)`
// right after importing. For explicit control over loading, import
// "overshoot-wasm/manual-init" and call its default export yourself.
import init from "./overshoot_wasm.js";

await init({ module_or_path: new URL("./overshoot_wasm_bg.wasm", import.meta.url) });

export * from "./overshoot_wasm.js";
// The same module instance the wasm imports (scripts/build.sh fills in its path).
export {
  OvershootError, ValidationError, UnauthorizedError, InsufficientCreditsError, NotFoundError,
  RateLimitError, ServerError, NetworkError, ApiError, MediaError, WebRTCError,
  StreamEndedError, AbortError, ResultParseError, SourceLoadError, SourceEndedError,
  SourceUnsupportedError,
} from "__RUNTIME__";
