// The error classes every entry exports (the same classes at run time: js/runtime.js).

/** Base class of every error the package throws or reports (`instanceof` works). */
export declare class OvershootError extends Error {
  constructor(message: string, options?: { status?: number; requestId?: string; details?: unknown; cause?: unknown });
  /** HTTP status, for errors that are HTTP answers. */
  status?: number;
  /** The server's request id, when it sent one. */
  requestId?: string;
  /** The server's details; `{field}` for validation errors found before sending. */
  details?: unknown;
  /** The server's machine code, when it sent one (v1beta: `stream_not_found`, `billing_denied`, `segment_empty`, …), or the package's own (`unsupported_by_api`, `v1beta_entry_required`, `livekit_entry_required`). */
  code?: string;
}
/** Bad config or request (before sending, or HTTP 400/422), or a browser-only call made on a server (the server entry). */
export declare class ValidationError extends OvershootError { name: "ValidationError" }
/** Bad or revoked API key (HTTP 401/403, socket close 1008). */
export declare class UnauthorizedError extends OvershootError { name: "UnauthorizedError" }
/** Out of credits (HTTP 402, or the server ended the stream for it). */
export declare class InsufficientCreditsError extends OvershootError { name: "InsufficientCreditsError" }
/** Unknown or expired stream (HTTP 404). */
export declare class NotFoundError extends OvershootError { name: "NotFoundError" }
/** Too many concurrent streams or requests (HTTP 429). */
export declare class RateLimitError extends OvershootError { name: "RateLimitError" }
/** Server trouble (HTTP 5xx). */
export declare class ServerError extends OvershootError { name: "ServerError" }
/** No HTTP answer (offline, DNS, CORS, timeout) or the results socket keeps dropping. */
export declare class NetworkError extends OvershootError { name: "NetworkError" }
/** Any other HTTP failure or a malformed answer. */
export declare class ApiError extends OvershootError { name: "ApiError" }
/** Camera or screen access failed; `cause` is the browser's DOMException. */
export declare class MediaError extends OvershootError { name: "MediaError" | "SourceLoadError" | "SourceEndedError" | "SourceUnsupportedError" }
/** WebRTC negotiation or connection failed. */
export declare class WebRTCError extends OvershootError { name: "WebRTCError" }
/** The server ended the stream (e.g. `lease_expired`). */
export declare class StreamEndedError extends OvershootError { name: "StreamEndedError" }
/** `stop()` was called while `start()` was running. */
export declare class AbortError extends OvershootError { name: "AbortError" }
/** `result.json()` found text that is not JSON. */
export declare class ResultParseError extends OvershootError { name: "ResultParseError" }
/** A video file, URL or HLS stream failed to load, or did not start within `loadTimeoutMs`. */
export declare class SourceLoadError extends MediaError { name: "SourceLoadError" }
/** The source ended: "Stop sharing" pressed, a video without `loop` finished, or the camera/app track ended. */
export declare class SourceEndedError extends MediaError { name: "SourceEndedError" }
/** This browser cannot play the source (HLS without native support or hls.js). */
export declare class SourceUnsupportedError extends MediaError { name: "SourceUnsupportedError" }
