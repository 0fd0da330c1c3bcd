//! TypeScript declarations of the JS shapes the classes take and return, written
//! next to the Rust types they mirror (`overshoot_protocol::wire`, `facade::config`)
//! and emitted into the generated `.d.ts` by wasm-bindgen.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Lifecycle of a RealtimeVision session. */
export type SessionState =
  | "idle" | "starting" | "connecting" | "streaming" | "reconnecting" | "stopping" | "stopped" | "failed";

/** What `getStats()` resolves to. Rates are `null` until two samples exist. */
export interface SessionStats {
  state: SessionState;
  /** Video frames sent since the connection started. */
  framesSent: number;
  bytesSent: number;
  /** Frames per second sent. */
  fps: number | null;
  /** Upload bitrate in bits per second, since the previous `getStats()` call. */
  bitrateBps: number | null;
  frameWidth: number | null;
  frameHeight: number | null;
  /** Round-trip time of the selected ICE candidate pair. */
  rttMs: number | null;
  /** Type of the local candidate in use: `relay` means through TURN. */
  candidateType: "host" | "srflx" | "prflx" | "relay" | null;
  resultsReceived: number;
  /** `total_latency_ms` of the latest result. */
  lastResultLatencyMs: number | null;
  /** Timestamp of this sample (ms). */
  sampledAt: number;
}

/** Options of the sources the package draws through a canvas (`screen`, `video`, `hls`):
 * redrawn at `fps` (1–60, default 15) so static pictures keep flowing, fitted within
 * the `video` caps (1280×720 by default). */
export interface RelayedSourceOptions {
  fps?: number;
  /** Loading (after the user picked a screen) may take this long (100–120000 ms,
   * default 10000) before a `SourceLoadError` with `details.reason === "timeout"`. */
  loadTimeoutMs?: number;
}

/** An hls.js `Hls` class (or its module, or a function resolving to either, such as
 * `() => import("hls.js")`), for browsers without native HLS. */
export type HlsJsProvider = unknown;

/** Where the video comes from. Default: the user-facing camera.
 * - `camera`: opened (and closed) by the package; hints are ideal values.
 * - `screen`: getDisplayMedia; "Stop sharing" ends the session with `SourceEndedError`.
 * - `video`: a `File`/`Blob` or a URL (CORS-enabled if cross-origin), muted, looped unless `loop: false`.
 * - `hls`: an HLS URL; native HLS where the browser has it, else `hlsJs`, else the
 *   `hls.js` module through an import map; without any, `SourceUnsupportedError`.
 * - `canvas`: a canvas the app draws, captured at `fps` (1–60, default 15).
 * - `stream`: a MediaStream or MediaStreamTrack the app owns (never stopped here).
 * - `livekit`: the app publishes into its own LiveKit room; the package sends no video
 *   and only creates the stream, renews it and receives results. Only in
 *   `overshoot-wasm/full`: the main entry refuses it at construction (`ValidationError`,
 *   `code: "livekit_entry_required"`, `details.field` `"source.type"`). */
export type VideoSource =
  | { type: "camera"; cameraFacing?: "user" | "environment"; deviceId?: string; width?: number; height?: number; frameRate?: number }
  | ({ type: "screen" } & RelayedSourceOptions)
  | ({ type: "video"; file: Blob; loop?: boolean } & RelayedSourceOptions)
  | ({ type: "video"; url: string; loop?: boolean } & RelayedSourceOptions)
  | ({ type: "hls"; url: string; hlsJs?: HlsJsProvider } & RelayedSourceOptions)
  | { type: "canvas"; canvas: HTMLCanvasElement; fps?: number }
  | { type: "livekit"; url: string; token: string }
  | { type: "stream"; stream: MediaStream }
  | { type: "stream"; track: MediaStreamTrack }
  | MediaStream
  | MediaStreamTrack;

/** Sampling settings, in the wire's snake_case. Clip mode: `target_fps` (1–30, default 6)
 * or the deprecated `fps` (1–120) with `sampling_ratio` (0–1); `clip_length_seconds`
 * (0.1–60, default 0.5); `delay_seconds` (0–60, default 0.5); `target_fps × clip_length_seconds ≥ 3`.
 * Frame mode: `interval_seconds` (0.1–60, default 0.2). */
export interface Processing {
  target_fps?: number;
  fps?: number;
  sampling_ratio?: number;
  clip_length_seconds?: number;
  delay_seconds?: number;
  interval_seconds?: number;
}

/** Clip-mode sampling (implies `mode: "clip"`). */
export type ClipProcessing = Pick<Processing, "target_fps" | "fps" | "sampling_ratio" | "clip_length_seconds" | "delay_seconds">;
/** Frame-mode sampling (implies `mode: "frame"`). */
export type FrameProcessing = Pick<Processing, "interval_seconds">;

/** Connection settings shared by both classes. */
export interface StreamClientConfig {
  /**
   * The API key, or (in production, through overshoot-gateway) a function returning a
   * short-lived token or a Promise of one: called before the first call, again after a
   * 401 or a socket close 1008, and before a keepalive when the token (a JWT) expires
   * within 60 s. Sent only in the Authorization header and the results socket's first message.
   */
  apiKey: string | (() => string | Promise<string>);
  /** Default `https://api.overshoot.ai/v1`. `http://` only for localhost unless `allowInsecureHttp`. */
  apiUrl?: string;
  allowInsecureHttp?: boolean;
  /** Abort any HTTP call after this many ms (100–600000, default 20000): a NetworkError. */
  requestTimeoutMs?: number;
}

/** Everything `new RealtimeVision(config)` accepts: `prompt` is required, except with
 * a v1beta `apiUrl` (a literal ending in `/v1beta`), where without it only `ask()` asks. */
export type RealtimeVisionConfig =
  | (RealtimeVisionOptions & { prompt: string })
  | (RealtimeVisionOptions & { apiUrl: `${string}/v1beta` | `${string}/v1beta/` });

/** The options of `RealtimeVisionConfig`. */
export interface RealtimeVisionOptions extends StreamClientConfig {
  /** The question asked for every result (v1beta: the periodic question). */
  prompt?: string;
  /** Default `Qwen/Qwen3.5-9B`. */
  model?: string;
  backend?: "overshoot" | "gemini";
  /** Default: implied by `clipProcessing`/`frameProcessing`, else `frame` when
   * `processing.interval_seconds` is set, else `clip`. */
  mode?: "clip" | "frame";
  /** Sampling in the TS SDK's shape (any wire field). Give at most one of the three. */
  processing?: Processing;
  clipProcessing?: ClipProcessing;
  frameProcessing?: FrameProcessing;
  /** A JSON Schema; each result's `result` is then JSON text (see `StreamResult`). */
  outputSchema?: Record<string, unknown>;
  /** Positive integer, at most 128 per second of result interval. */
  maxOutputTokens?: number;
  source?: VideoSource;
  /** Kept alongside the TURN servers the API returns. */
  iceServers?: RTCIceServer[];
  /** Sent as `client.request_id`. */
  requestId?: string;
  /** Caps on the sent video. Omitted: at most 1280×720, frame rate twice the sampling
   * rate (`target_fps`, or 1/`interval_seconds`), a bitrate to match. `false`: send the
   * source unchanged. */
  video?: false | { maxLongSide?: number; maxShortSide?: number; maxBitrateBps?: number };
  /** Log lifecycle events with `console.debug` (the API key is never logged). */
  debug?: boolean;
  /** `webrtc` (default): straight to the server. `livekit`: the native transport — the
   * server makes a LiveKit room and the package publishes the source's video into it
   * with livekit-client, rejoining with the keepalive's fresh token if the room drops.
   * Only in `overshoot-wasm/full`: the main entry refuses it at construction
   * (`ValidationError`, `code: "livekit_entry_required"`). */
  transport?: "webrtc" | "livekit";
  /** For `transport: "livekit"`: the livekit-client module, or a loader such as
   * `() => import("livekit-client")`; default: import `livekit-client` (import map).
   * Without it, `start()` rejects with `SourceUnsupportedError`. */
  livekitClient?: unknown;
  onResult: (result: StreamResult) => void;
  onError?: (error: OvershootError) => void;
  /** Called with each lifecycle state change. */
  onStateChange?: (state: SessionState) => void;
}

/** One inference result, exactly as the server sends it: check `ok` before reading
 * `result` (a failed result may carry no text). */
export type StreamResult = SuccessfulResult | FailedResult;

/** Fields every result has. */
export interface StreamResultFields {
  id: string;
  stream_id: string;
  mode: "clip" | "frame";
  model_backend: "overshoot" | "gemini";
  model_name: string;
  prompt: string;
  inference_latency_ms: number;
  total_latency_ms: number;
  finish_reason: "stop" | "length" | "content_filter" | null;
  /** Parses `result` as JSON (structured output); throws `ResultParseError` when it is not JSON. */
  json<T = unknown>(): T;
}

/** A result the model produced. */
export interface SuccessfulResult extends StreamResultFields {
  ok: true;
  /** Text, or JSON text when an output schema is set. */
  result: string;
  error: null;
}

/** A result that failed (the stream goes on): `error` says why. */
export interface FailedResult extends StreamResultFields {
  ok: false;
  result: string | null;
  error: string | null;
}

/** Every error the package throws or reports. The classes are exported by the
 * package entry (`instanceof OvershootError`, `instanceof UnauthorizedError`, …);
 * `name` is the class name. */
export interface OvershootError extends Error {
  name: OvershootErrorName;
  /** HTTP status, for errors that are HTTP answers. */
  status?: number;
  /** The server's request id, when it sent one. */
  requestId?: string;
  /** The server's details; `{field}` for validation errors found before sending. */
  details?: unknown;
  /** The underlying browser error (e.g. the getUserMedia DOMException). */
  cause?: unknown;
}

export type OvershootErrorName =
  | "ValidationError" | "UnauthorizedError" | "InsufficientCreditsError" | "NotFoundError"
  | "RateLimitError" | "ServerError" | "NetworkError" | "ApiError" | "MediaError"
  | "WebRTCError" | "StreamEndedError" | "AbortError" | "ResultParseError"
  | "SourceLoadError" | "SourceEndedError" | "SourceUnsupportedError";

export interface IceServer { urls: string | string[]; username?: string; credential?: string }

/** `POST /streams` body, in wire format. */
export interface CreateStreamRequest {
  source?: { type: "webrtc"; sdp: string } | { type: "livekit"; url: string; token: string };
  /** Deprecated form of a webrtc source. */
  webrtc?: { type: "offer"; sdp: string };
  mode?: "clip" | "frame";
  processing?: Processing;
  inference: {
    prompt: string;
    model: string;
    backend?: "overshoot" | "gemini";
    output_schema_json?: Record<string, unknown>;
    max_output_tokens?: number;
  };
  client?: { request_id?: string };
}

export interface CreateStreamResponse {
  stream_id: string;
  webrtc?: { type: "answer"; sdp: string } | null;
  lease?: { ttl_seconds: number } | null;
  turn_servers?: IceServer[] | null;
  livekit?: { url: string; token: string } | null;
}

export interface KeepaliveResponse {
  status: "ok";
  stream_id: string;
  ttl_seconds: number;
  livekit_token?: string | null;
}

export interface PromptUpdateResponse {
  id: string;
  stream_id: string;
  prompt: string;
  model: string;
  output_schema_json?: Record<string, unknown> | null;
  created_at?: string;
  updated_at?: string;
}

export interface ModelInfo {
  model: string;
  ready: boolean;
  status: "ready" | "degraded" | "saturated" | "unavailable";
}
"#;
