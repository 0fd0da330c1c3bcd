// Compiled with `tsc --noEmit --strict` by the test command: the shipped .d.ts must
// type a real app's use of the package, and reject wrong uses (each @ts-expect-error
// fails the check if the types were too loose, e.g. `any`).
import {
  RealtimeVision, StreamClient, OvershootError, UnauthorizedError, ValidationError,
  MediaError, SourceEndedError,
  type RealtimeVisionConfig, type StreamResult, type SessionState, type CreateStreamResponse,
} from "overshoot-wasm";
import { mintGatewayToken } from "overshoot-wasm/server";

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
  console.log(ttl, renewed.ttl_seconds, models.map((m) => m.status));

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
  // @ts-expect-error prompt is required
  new RealtimeVision({ apiKey: "k", onResult: () => {} });
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
}
void manual;
