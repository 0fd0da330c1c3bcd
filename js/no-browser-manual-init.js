// `overshoot-wasm/manual-init` for server builds, and through no-browser.js (everything
// but the default export) the package's main entry there: what Node, `react-server`,
// `workerd` and `edge-light` resolve it to (package.json `exports`), and so what a
// bundler's server pass (Next.js prerendering a 'use client' component, Vite SSR) puts in
// the server bundle. It loads no WebAssembly and touches no browser API, so importing
// the package on a server never fails. The error classes are the real ones; the
// classes that need a browser (camera, WebRTC, the wasm) throw, when constructed, an
// error that says where to construct them instead.

import { ValidationError } from "__RUNTIME__";

/**
 * What a browser-only call on the server throws: a `ValidationError` (so `instanceof
 * OvershootError` catches it, like every error of the package) that names the call and
 * where to make it.
 */
function browserOnly(what) {
  return new ValidationError(
    `overshoot-wasm: ${what} runs only in a browser, and this is a server build ` +
      "(Node, SSR, react-server, workerd or edge-light resolve the package to its entry " +
      "without WebAssembly). Call it in code that runs in the browser: in Next.js, inside " +
      "useEffect or an event handler of a 'use client' component; in other frameworks, in " +
      "an effect, an event handler or behind `typeof window !== \"undefined\"`. Importing " +
      "the package, its types and its error classes works everywhere.",
  );
}

/** Needs a browser: constructing it on a server throws (see `browserOnly`). */
export class RealtimeVision {
  constructor() {
    throw browserOnly("new RealtimeVision()");
  }
}

/** Needs the wasm: constructing it on a server throws (see `browserOnly`). */
export class StreamClient {
  constructor() {
    throw browserOnly("new StreamClient()");
  }
}

/** The wasm is not loaded on a server: throws (see `browserOnly`). */
export function initSync() {
  throw browserOnly("initSync()");
}

/** `init()` of manual-init: the wasm is not loaded on a server, so it rejects. */
export default async function init() {
  throw browserOnly("init()");
}

// The runtime module has no side effects: only classes and functions.
export {
  OvershootError, ValidationError, UnauthorizedError, InsufficientCreditsError, NotFoundError,
  RateLimitError, ServerError, NetworkError, ApiError, MediaError, WebRTCError,
  StreamEndedError, AbortError, ResultParseError, SourceLoadError, SourceEndedError,
  SourceUnsupportedError,
} from "__RUNTIME__";
