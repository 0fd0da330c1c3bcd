// Compiled with `tsc --noEmit --strict` by the test command: the shipped .d.ts must
// type a real app's use of the package, and reject wrong uses (each @ts-expect-error
// fails the check if the types were too loose, e.g. `any`).
import {
  RealtimeVision, StreamClient, OvershootError, UnauthorizedError, ValidationError,
  MediaError, SourceEndedError,
  type RealtimeVisionConfig, type StreamResult, type SessionState, type CreateStreamResponse,
  type PartialResult, type Usage, type StreamStatus, type ViewerTokenResponse, type LiveKitGrant,
  type ChatCompletionRequest, type ChatCompletion, type ChatCompletionChunk,
} from "overshoot-wasm";
import { mintGatewayToken } from "overshoot-wasm/server";
// The v1beta entry: the same API (one .d.ts) and the same error classes.
import {
  RealtimeVision as V1RealtimeVision, StreamClient as V1StreamClient, OvershootError as V1OvershootError,
} from "overshoot-wasm/v1beta";

const token: Promise<string> = mintGatewayToken("a-secret-of-at-least-32-bytes-long", { sub: "user-1", ttlSeconds: 600 });
// @ts-expect-error sub is required
mintGatewayToken("a-secret-of-at-least-32-bytes-long", { ttlSeconds: 600 });

const config: RealtimeVisionConfig = {
  apiKey: "k",
  apiUrl: "http://127.0.0.1:8787",
  prompt: "Describe what you see",
  model: "Qwen/Qwen3.5-9B",
  backend: "overshoot",
  mode: "clip",
  clipProcessing: { target_fps: 6, clip_length_seconds: 0.5, delay_seconds: 0.5 },
  outputSchema: { type: "object" },
  maxOutputTokens: 32,
  iceServers: [{ urls: "turn:127.0.0.1:3478", username: "u", credential: "c" }],
  source: { type: "camera", cameraFacing: "environment" },
  requestId: "r1",
  debug: true,
  onResult: (r: StreamResult) => {
    // @ts-expect-error a failed result may carry no text: check `ok` first
    const unchecked: string = r.result;
    if (!r.ok) {
      const why: string | null = r.error;
      console.log(unchecked, why);
      return;
    }
    const text: string = r.result;
    const ok: boolean = r.ok;
    const latency: number = r.total_latency_ms;
    const reason: "stop" | "length" | "content_filter" | null = r.finish_reason;
    const data = r.json<{ colour: string }>();
    console.log(text, ok, latency, reason, data.colour);
  },
  onError: (e: OvershootError) => {
    const status: number | undefined = e.status;
    console.log(e.name, status, e.requestId, e.details);
  },
};

async function main(): Promise<void> {
  const vision = new RealtimeVision(config);
  await vision.start();
  await vision.updatePrompt("Count the people");
  const state: SessionState = vision.state;
  const id: string | undefined = vision.getStreamId();
  const media: MediaStream | undefined = vision.getMediaStream();
  const active: boolean = vision.isActive();
  console.log(state, id, media, active);
  await vision.stop();

  const client = new StreamClient({ apiKey: "k" });
  new StreamClient({ apiKey: async () => "token-from-the-app-backend" });
  new StreamClient({ apiKey: () => "token" });
  // @ts-expect-error a function returning a number is not a key provider
  new StreamClient({ apiKey: () => 42 });
  const created: CreateStreamResponse = await client.createStream({
    source: { type: "webrtc", sdp: "v=0" },
    processing: { interval_seconds: 0.5 },
    inference: { prompt: "p", model: "m", max_output_tokens: 16 },
  });
  const ttl: number | undefined = created.lease?.ttl_seconds;
  const renewed = await client.renewLease(created.stream_id);
  const models = await client.getModels();
  // The shared endpoints answer in the shape of the apiUrl's generation.
  if (Array.isArray(models) && "status" in renewed) console.log(ttl, renewed.ttl_seconds, models.map((m) => m.status));

  try {
    await client.closeStream(created.stream_id);
  } catch (e) {
    if (e instanceof UnauthorizedError || e instanceof ValidationError) console.log(e.status);
  }

  // Every source shape.
  const file = new Blob([]);
  for (const source of [
    { type: "screen", fps: 10 },
    { type: "video", file, loop: false, loadTimeoutMs: 5000 },
    { type: "video", url: "/clip.webm" },
    { type: "hls", url: "/live.m3u8", hlsJs: () => import("./usage.js") },
    { type: "livekit", url: "wss://rooms.example", token: "t" },
  ] as const) {
    new RealtimeVision({ ...config, source });
  }
  const onError = (e: OvershootError) => {
    if (e instanceof SourceEndedError || e.name === "SourceLoadError") console.log(e.message);
    if (e instanceof MediaError && e.name === "SourceUnsupportedError") console.log(e.details);
  };
  void onError;

  new RealtimeVision({ ...config, transport: "livekit", livekitClient: () => import("./usage.js") });

  // Wrong uses must not type-check.
  // @ts-expect-error unknown transport
  new RealtimeVision({ ...config, transport: "rtmp" });
  // @ts-expect-error a livekit source needs a token
  new RealtimeVision({ ...config, source: { type: "livekit", url: "wss://x" } });
  // @ts-expect-error a video needs a file or a url
  new RealtimeVision({ ...config, source: { type: "video", loop: true } });
  // @ts-expect-error the screen takes no url
  new RealtimeVision({ ...config, source: { type: "screen", url: "x" } });
  // @ts-expect-error prompt is required (except with a v1beta apiUrl)
  new RealtimeVision({ apiKey: "k", onResult: () => {} });
  // @ts-expect-error prompt is required with a streams-API apiUrl
  new RealtimeVision({ apiKey: "k", apiUrl: "https://api.overshoot.ai/v1", onResult: () => {} });
  // @ts-expect-error target_fps is a number
  new RealtimeVision({ ...config, clipProcessing: { target_fps: "6" } });
  // @ts-expect-error unknown source type
  new RealtimeVision({ ...config, source: { type: "webcam" } });
  // @ts-expect-error updatePrompt takes a string
  await vision.updatePrompt(42);
  // @ts-expect-error results have no `text` field
  config.onResult({} as StreamResult).text;
  // @ts-expect-error streamId is a string
  await client.renewLease(7);
}

void main;

// v1beta (imported from overshoot-wasm/v1beta): the same classes; prompt optional,
// ask(), getStatus(), viewerToken(), partials.
async function v1beta(): Promise<void> {
  const sameErrors: typeof OvershootError = V1OvershootError;
  console.log(sameErrors);
  const vision = new V1RealtimeVision({
    apiKey: "k",
    apiUrl: "http://127.0.0.1:8787/v1beta",
    outputSchema: { type: "object", properties: { colour: { type: "string" } } },
    stream: true,
    onPartial: (p: PartialResult) => console.log(p.partial, p.result),
    onResult: (r) => console.log(r.ok && r.usage?.total_tokens, r.ok ? null : r.error_code),
    livekitClient: () => import("./usage.js"),
  });
  await vision.start();
  const frame: StreamResult = await vision.ask("What colour is it?", { frame: true });
  const clip = await vision.ask("Did it change?", { clipSeconds: 2, stream: true, onPartial: (p) => console.log(p.result) });
  const usage: Usage | null | undefined = clip.usage;
  const status: StreamStatus = await vision.getStatus();
  const frames: number | null | undefined = status.last_frame_index;
  const view: ViewerTokenResponse = await vision.viewerToken();
  console.log(frame.ok, usage, frames, view.view.token);
  // @ts-expect-error a frame question has no clip length
  await vision.ask("x", { frame: true, clipSeconds: 1 });
  // @ts-expect-error clipSeconds is a number
  await vision.ask("x", { clipSeconds: "2" });
  try {
    await vision.ask("x");
  } catch (e) {
    if (e instanceof OvershootError) {
      const code: string | undefined = e.code;
      console.log(code);
    }
  }

  const client = new V1StreamClient({ apiKey: "k", apiUrl: "https://api.overshoot.ai/v1beta" });
  const created = await client.createStream({});
  if ("id" in created) {
    const publish: LiveKitGrant | null = created.publish;
    const telemetry: StreamStatus = await client.getStream(created.id);
    const viewer: ViewerTokenResponse = await client.createViewerToken(created.id);
    const request: ChatCompletionRequest = {
      model: "Qwen/Qwen3.6-27B-FP8",
      messages: [{ role: "user", content: [
        { type: "text", text: "What colour?" },
        { type: "image_url", image_url: { url: `ovs://streams/${created.id}?frame_index=-1` } },
      ] }],
      response_format: { type: "json_schema", json_schema: { name: "o", schema: { type: "object" } } },
      thread_id: "t",
      temperature: 0,
    };
    const answer: ChatCompletion = await client.chatCompletions(request);
    const streamed = await client.chatCompletions({ ...request, stream: true }, (chunk: ChatCompletionChunk) => console.log(chunk.choices[0]?.delta.content));
    console.log(publish?.token, telemetry.state, viewer.view.url, answer.choices[0]?.message.content, streamed.usage);
    // @ts-expect-error a content part needs a known type
    await client.chatCompletions({ model: "m", messages: [{ role: "user", content: [{ type: "audio_url" }] }] });
  }
}
void v1beta;

// The manual-init entry: the same API and error classes, plus `init()` to await first.
async function manual(): Promise<void> {
  const { default: init, RealtimeVision: Vision, ValidationError: Invalid, OvershootError: Base } =
    await import("overshoot-wasm/manual-init");
  await init({ module_or_path: new URL("https://cdn.example/overshoot_wasm_bg.wasm") });
  try {
    new Vision({ ...config, prompt: "" });
  } catch (e) {
    if (e instanceof Invalid) {
      const base: InstanceType<typeof Base> = e;
      console.log(base.details);
    }
  }
  // Freeing with `using`-style disposal is typed without lib esnext.
  new Vision(config)[Symbol.dispose]();
  // The v1beta entry's manual-init variant: the same shape, its own wasm file.
  const v1 = await import("overshoot-wasm/v1beta/manual-init");
  await v1.default({ module_or_path: new URL("https://cdn.example/overshoot_wasm_v1beta_bg.wasm") });
  const asked: Promise<StreamResult> = new v1.RealtimeVision({ ...config, apiUrl: "https://api.overshoot.ai/v1beta" }).ask("x");
  void asked;
}
void manual;
