//! TypeScript declarations of the v1beta shapes (`overshoot_protocol::v1beta`), and
//! the options that only v1beta honours, merged into the streams API's interfaces of
//! `typescript.rs` (TypeScript merges interfaces of one name in one module).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_V1BETA_TYPES: &'static str = r#"
export interface RealtimeVisionOptions {
  /** v1beta: stream every answer (SSE); each partial result goes to `onPartial`, the
   * whole answer to `onResult`. Given `onPartial`, answers are streamed. */
  stream?: boolean;
  /** v1beta: called as a streamed answer arrives, with `partial: true` and the text so
   * far in `result` (same shape as `onResult`'s results). */
  onPartial?: (partial: PartialResult) => void;
}

export interface StreamResultFields {
  /** v1beta: the answer's token counts (`null` when the server sent none). */
  usage?: Usage | null;
  /** v1beta: the server's error code of a failed question (`segment_empty`, …). */
  error_code?: string | null;
}

/** A streamed answer so far (`onPartial`). */
export type PartialResult = SuccessfulResult & { partial: true };

export interface OvershootError {
  /** The server's machine code, when it sent one (v1beta: `stream_not_found`,
   * `billing_denied`, …), or the package's own: `unsupported_by_api` for a v1beta-only
   * call made with the streams API; `v1beta_entry_required` (a v1beta `apiUrl`) and
   * `livekit_entry_required` (`transport: "livekit"`) for what the main entry refuses
   * because only `overshoot-wasm/full` has it. */
  code?: string;
}

/** `ask()`'s options: what the question looks at (default: what the periodic prompt
 * looks at), and whether to stream the answer. */
export type AskOptions = ({ frame: true; clipSeconds?: never } | { clipSeconds: number; frame?: false } | { frame?: false; clipSeconds?: never }) & {
  /** Stream the answer; partial results go to `onPartial` (or the config's). */
  stream?: boolean;
  onPartial?: (partial: PartialResult) => void;
};

/** Token counts of an answer. */
export interface Usage { prompt_tokens: number; completion_tokens: number; total_tokens: number }

/** LiveKit credentials of a v1beta stream. */
export interface LiveKitGrant { type: "livekit"; url: string; token: string }

/** `POST /streams` body in v1beta: `{}` (the app publishes through LiveKit) or a camera the server pulls. */
export interface CreateStreamBody { source?: { type: "rtsp" | "hls"; url: string } }

/** v1beta `201` answer of `POST /streams`. */
export interface CreatedStream {
  id: string;
  state: "active";
  source?: { type: "livekit" | "rtsp" | "hls" };
  publish: LiveKitGrant | null;
  expires_at_ms: number;
  ttl_seconds: number;
}

/** v1beta answer of `POST /streams/{id}/keepalive`: `publish.token` is a fresh token. */
export interface LeaseRenewal {
  id: string;
  expires_at_ms: number;
  ttl_seconds: number;
  stream_time_ms?: number | null;
  publish: LiveKitGrant | null;
}

/** v1beta `GET /streams/{id}`: status and frame telemetry. Only `id` and `state` are
 * sure to be there; a missing key means `null`. */
export interface StreamStatus {
  id: string;
  state: "active" | "ended";
  source?: { type: "livekit" | "rtsp" | "hls" } | null;
  last_pull?: number | null;
  stream_time_ms?: number | null;
  first_frame_at_ms?: number | null;
  last_frame_at_ms?: number | null;
  last_frame_index?: number | null;
  first_available_frame_at_ms?: number | null;
  first_available_frame_index?: number | null;
  created_at_ms?: number | null;
  recent_fps?: number | null;
  retained_frame_count?: number | null;
  evicted_frame_count?: number | null;
  expires_at_ms?: number | null;
  ttl_seconds?: number | null;
  ended_at_ms?: number | null;
  /** `expired`, `deleted` (older docs: `reaped`), or a value this package does not know. */
  end_reason?: string | null;
  audio?: boolean;
}

/** v1beta `DELETE /streams/{id}` answer. */
export interface DeletedStream { id: string; deleted: true }

/** v1beta `POST /streams/{id}/viewer-token`: a subscribe-only LiveKit token. */
export interface ViewerTokenResponse { id: string; view: { type: "livekit"; url: string; token: string; expires_in_seconds: number } }

/** v1beta `GET /models`. `status` other than `ready` means unusable. */
export interface ModelList { object: "list"; data: { id: string; object: "model"; created: number; owned_by: string; status: string }[] }

/** One content part of a chat message: text, a frame (`image_url`) or a clip (`video_url`),
 * with `ovs://streams/{id}?…` references, `https:` or `data:` URLs. */
export type ChatContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string } }
  | { type: "video_url"; video_url: { url: string } };

/** v1beta `POST /chat/completions` body (OpenAI-compatible; other fields are passed on). */
export interface ChatCompletionRequest {
  model: string;
  messages: { role: "system" | "user" | "assistant" | "tool"; content: string | ChatContentPart[] | null }[];
  max_completion_tokens?: number | null;
  max_tokens?: number | null;
  response_format?: { type: "text" } | { type: "json_object" } | { type: "json_schema"; json_schema: { name: string; schema: Record<string, unknown>; strict?: boolean } };
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  thread_id?: string | null;
  [field: string]: unknown;
}

/** Prompt-cache metadata of an answer. */
export interface CacheInfo { thread_id: string | null; cache_hit: boolean; cached_input_tokens: number }

/** v1beta `chat.completion` (a streamed answer resolves in this shape too). */
export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created?: number;
  model: string;
  choices: { index: number; message: { role: "assistant"; content: string | null }; finish_reason: string | null }[];
  usage?: Usage;
  overshoot?: { cache?: CacheInfo };
}

/** One SSE chunk of a streamed answer; OpenAI's `id`/`object`/`created`/`model` may be missing. */
export interface ChatCompletionChunk {
  id?: string;
  object?: "chat.completion.chunk";
  created?: number;
  model?: string;
  choices: { index?: number; delta: { role?: string; content?: string | null }; finish_reason?: string | null }[];
  usage?: Usage | null;
  overshoot?: { cache?: CacheInfo };
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const TS_STREAM_CLIENT_OVERLOADS: &'static str = r#"
/** `createStream()` typed by its argument: the streams API's request answers
 * `CreateStreamResponse`, a v1beta body (or none) answers `CreatedStream`. */
export interface StreamClient {
  createStream(request: CreateStreamRequest): Promise<CreateStreamResponse>;
  createStream(body?: CreateStreamBody): Promise<CreatedStream>;
  /** See the method above: `onChunk` is optional. */
  chatCompletions(request: ChatCompletionRequest, onChunk?: (chunk: ChatCompletionChunk) => void): Promise<ChatCompletion>;
}

/** `ask()`'s options are optional (wasm-bindgen types every parameter as given). */
export interface RealtimeVision {
  ask(question: string, options?: AskOptions): Promise<StreamResult>;
}
"#;
