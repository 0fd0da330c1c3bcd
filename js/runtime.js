// JS half of the package, imported by the wasm module (wasm-bindgen copies it into
// pkg/snippets/). It holds what is cheaper or only possible in JS: the error classes
// (so `instanceof` works), the result hot path (socket message → JSON.parse + shape
// check + `json()` helper → count → onResult), which never enters wasm, worker timers,
// the clean-up of a capture granted after its caller gave up, and the stand-in that
// loads `sources.js` only when a session needs it, so a camera page never downloads it
// (the LiveKit transport's stand-in, which loads `livekit.js`, is in `runtime-full.js`).

/** Base class of every error the package throws or reports. */
export class OvershootError extends Error {
  constructor(message, { status, requestId, details, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    /** HTTP status, for errors that are HTTP answers. */
    this.status = status;
    /** The server's request id, when it sent one. */
    this.requestId = requestId;
    /** The server's details; `{field}` for validation errors found before sending. */
    this.details = details;
  }
}
export class ValidationError extends OvershootError {}
export class UnauthorizedError extends OvershootError {}
export class InsufficientCreditsError extends OvershootError {}
export class NotFoundError extends OvershootError {}
export class RateLimitError extends OvershootError {}
export class ServerError extends OvershootError {}
export class NetworkError extends OvershootError {}
export class ApiError extends OvershootError {}
export class MediaError extends OvershootError {}
export class WebRTCError extends OvershootError {}
export class StreamEndedError extends OvershootError {}
export class AbortError extends OvershootError {}
export class ResultParseError extends OvershootError {}
export class SourceLoadError extends MediaError {}
export class SourceEndedError extends MediaError {}
export class SourceUnsupportedError extends MediaError {}

const CLASSES = {
  OvershootError, ValidationError, UnauthorizedError, InsufficientCreditsError, NotFoundError,
  RateLimitError, ServerError, NetworkError, ApiError, MediaError, WebRTCError,
  StreamEndedError, AbortError, ResultParseError, SourceLoadError, SourceEndedError,
  SourceUnsupportedError,
};
// Names set explicitly: minifiers rename classes, and apps check `error.name`.
for (const [name, cls] of Object.entries(CLASSES)) {
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true });
}

/** Builds the error of class `name` (called from wasm). */
export function makeError(name, message, status, requestId, details, cause) {
  const cls = CLASSES[name] ?? OvershootError;
  return new cls(message, { status, requestId, details, cause });
}

/** An error the Rust side turns into the typed SDK error `name` (`SdkError::from_tagged`). */
export function failure(name, message, cause, details) {
  return { sdkErrorName: name, message, cause, details };
}

/** Methods every result has; its data are the wire fields, as own properties. */
export const RESULT_METHODS = {
  /** Parses `result` as JSON (structured output); throws `ResultParseError` if it is not JSON. */
  json() {
    try {
      return JSON.parse(this.result);
    } catch (cause) {
      throw new ResultParseError(`result is not valid JSON: ${cause.message}`, { cause, details: { result: this.result } });
    }
  },
};

/**
 * Parses one results-socket message. Returns the result object (wire fields plus
 * `json()`), or null when the message is not a result (not JSON, wrong shape).
 */
export function parseResult(data) {
  if (typeof data !== "string") return null;
  let value;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  if (typeof value.ok !== "boolean" || (value.ok && typeof value.result !== "string")) return null;
  return Object.setPrototypeOf(value, RESULT_METHODS);
}

/** A session's result sink: where its sockets deliver results, and their counts. */
export function resultSink(onResult) {
  return { onResult, received: 0, lastLatencyMs: null };
}

/**
 * Opens a results socket (the hot path, kept out of wasm). Sends `{"api_key"}` once
 * open; each message is parsed, counted in `sink` and handed to its `onResult`. An
 * exception thrown by the app's `onResult` is reported as an unhandled rejection (as
 * the browser does for an event listener) and never reaches the socket. wasm hears,
 * through `notice(malformed)`, only of the socket's first message (it is up again)
 * and of messages that are not results. wasm sets `onclose` and, when it is done with
 * the socket, clears every handler before closing it.
 */
export function openResultsSocket(url, apiKey, sink, notice) {
  const ws = new WebSocket(url);
  let first = true;
  ws.onopen = () => ws.send(JSON.stringify({ api_key: apiKey }));
  ws.onmessage = (event) => {
    const result = parseResult(event.data);
    if (first || result === null) {
      first = false;
      notice(result === null);
    }
    if (result !== null) deliver(sink, result);
  };
  return ws;
}

/** Counts `result` in `sink` and hands it to the app's `onResult`. */
export function deliver(sink, result) {
  sink.received++;
  sink.lastLatencyMs = typeof result.total_latency_ms === "number" ? result.total_latency_ms : null;
  callApp(sink.onResult, result);
}

/** Calls an app callback; what it throws becomes an unhandled rejection, as from an event listener. */
function callApp(callback, value) {
  try {
    callback(value);
  } catch (error) {
    Promise.reject(error);
  }
}

// Timers kept in a dedicated worker (the lease, the relay's draw ticks): Chromium wakes
// main-thread timers of hidden tabs once a second (after 5 min, once a minute without
// WebRTC); workers are exempt (https://developer.chrome.com/blog/timer-throttling-in-chrome-88).
// A string, not a function's source text, so minifying cannot change it.
const TIMER_WORKER = "onmessage=(e)=>(e.data.repeat?setInterval:setTimeout)(()=>postMessage(0),e.data.ms)";
// Set once a worker failed to load (a CSP forbidding blob: workers): later timers use
// the main thread at once instead of each reporting a violation.
let workersUnavailable = false;

/**
 * Calls `onTick` after `ms`, or every `ms` with `repeat`, from a timer kept in a worker
 * made from a Blob URL; without one (no Worker, a CSP that blocks it) from `setTimeout`
 * (same deadline) or `setInterval`. `cancel()` terminates the worker, revokes the URL,
 * clears the fallback; `onTick` never runs after it. `mode`: "worker" or "main"; `url`:
 * the Blob URL while in use.
 */
export class WorkerTimer {
  constructor(ms, onTick, repeat = false) {
    this.ms = ms;
    this.onTick = onTick;
    this.repeat = repeat;
    this.due = performance.now() + ms;
    this.mode = "worker";
    this.url = null;
    if (workersUnavailable) {
      this.fallBack();
      return;
    }
    // Making a worker costs the main thread a few ms: done in a task of its own (a
    // MessageChannel message, which hidden tabs do not throttle) so that start() can
    // resolve first.
    if (typeof MessageChannel !== "function") {
      this.spawn();
      return;
    }
    this.spawning = new MessageChannel();
    this.spawning.port1.onmessage = () => this.spawn();
    this.spawning.port2.postMessage(0);
  }

  spawn() {
    this.spawning?.port1.close();
    this.spawning = null;
    if (!this.onTick) return; // cancelled meanwhile
    try {
      this.url = URL.createObjectURL(new Blob([TIMER_WORKER], { type: "text/javascript" }));
      this.worker = new Worker(this.url);
      this.worker.onmessage = () => this.tick();
      this.worker.onerror = (event) => { // a blocked load is reported here, later
        event.preventDefault();
        workersUnavailable = true;
        this.fallBack();
      };
      const ms = this.repeat ? this.ms : Math.max(0, this.due - performance.now());
      this.worker.postMessage({ ms, repeat: this.repeat });
    } catch {
      this.fallBack(); // no Worker or Blob URL here
    }
  }

  fallBack() {
    this.release();
    this.mode = "main";
    if (!this.onTick) return;
    const tick = () => this.tick();
    if (this.repeat) this.interval = setInterval(tick, this.ms);
    else this.timeout = setTimeout(tick, Math.max(0, this.due - performance.now()));
  }

  tick() {
    const onTick = this.onTick;
    if (!this.repeat) this.cancel();
    onTick?.();
  }

  cancel() {
    this.onTick = null;
    clearTimeout(this.timeout);
    clearInterval(this.interval);
    this.release();
  }

  release() {
    this.spawning?.port1.close();
    this.spawning = null;
    this.worker?.terminate();
    this.worker = null;
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
  }
}

/**
 * Stops every track of the stream `pending` (a getUserMedia or getDisplayMedia promise)
 * resolves to, for a request nobody waits for any more. Such a request cannot be
 * cancelled (https://w3c.github.io/mediacapture-main/#dom-mediadevices-getusermedia):
 * a user who answers the prompt after stop() still gets a live capture, which only this
 * turns off. A refusal is ignored (never an unhandled rejection).
 */
export function stopLateStream(pending) {
  pending.then((stream) => stream.getTracks().forEach((t) => t.stop()), () => {});
}

/**
 * A stand-in, made at once, for an object built by a module of the package that loads
 * only when a session needs it: `load()` imports the module, `create(module)` builds the
 * object. Methods wait for the object (`this.ready`). `close()` closes it, or keeps it
 * from being built while the module is still loading. A module that cannot be loaded
 * (missing from the deployment, blocked, offline) is a `SourceUnsupportedError`
 * naming `what`; nothing of it is ever an unhandled rejection.
 */
export class OnDemand {
  constructor(load, what, create) {
    this.closed = false;
    this.ready = load().then(
      (module) => {
        if (this.closed) throw failure("AbortError", `stopped while loading ${what}`);
        return (this.target = create(module));
      },
      (cause) => {
        throw failure("SourceUnsupportedError", `${what} could not be loaded (a file of the package is missing or blocked)`, cause);
      },
    );
    this.ready.catch(() => {}); // the methods' callers hear of it
  }

  /** Calls `method` of the object once it is built. */
  async call(method, ...args) {
    return (await this.ready)[method](...args);
  }

  /** Closes the object, or keeps it from being built and drops what waited for it. */
  close() {
    if (this.closed) return;
    this.closed = true;
    if (this.target) this.target.close();
    else this.abandon?.();
  }
}

/**
 * `CanvasRelay` of `sources.js` (screen, video and HLS sources), loaded on first use;
 * bound and owned by `src/platform/media/relay.rs`.
 */
export class RelayOnDemand extends OnDemand {
  constructor(fps, maxLong, maxShort, onEnd) {
    super(() => import("./sources.js"), "the screen, video and HLS sources", (m) => new m.CanvasRelay(fps, maxLong, maxShort, onEnd));
    this.fps = fps;
    this.maxLong = maxLong;
  }

  /**
   * Asks for the screen before `sources.js` has loaded: browsers allow getDisplayMedia
   * only shortly after the user's click (transient activation,
   * https://developer.mozilla.org/docs/Web/Security/User_activation), and a module load
   * can take longer than that.
   */
  openScreen(timeoutMs) {
    const display = (async () => navigator.mediaDevices.getDisplayMedia({
      video: { frameRate: { ideal: this.fps }, width: { max: this.maxLong }, height: { max: this.maxLong } },
      audio: false,
    }))();
    display.catch(() => {}); // the relay's openScreen hears of it
    // A relay that is never built (stopped, or sources.js did not load) leaves no capture.
    this.abandon = () => stopLateStream(display);
    return this.call("openScreen", display, timeoutMs);
  }

  /** See `CanvasRelay.openVideo`. */
  openVideo(media, loop, timeoutMs) {
    return this.call("openVideo", media, loop, timeoutMs);
  }

  /** See `CanvasRelay.openHls`. */
  openHls(url, hlsJs, timeoutMs) {
    return this.call("openHls", url, hlsJs, timeoutMs);
  }

  /** The canvas capture stream (once an `open…` call resolved). */
  get stream() {
    return this.target.stream;
  }

  /** See `CanvasRelay.width`. */
  get width() {
    return this.target.width;
  }

  /** See `CanvasRelay.height`. */
  get height() {
    return this.target.height;
  }
}
