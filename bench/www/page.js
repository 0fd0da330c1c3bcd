// The benchmark's in-page driver. It loads one package (ours from /pkg/index.js, the
// npm SDK from /sdk/index.mjs, both served as published), runs it with the same
// camera, prompt, ICE servers and result cadence, and records timings with
// performance.now(). Each onResult does the same minimal bookkeeping for both.
const params = new URLSearchParams(location.search);
const SDK = params.get("sdk");
const API_URL = params.get("api");
const API_KEY = params.get("key");
// Extra config for our package only (`--ours-config JSON`, for trials such as {"video": false}).
const OURS_EXTRA = JSON.parse(params.get("oursConfig") || "{}");

const mod = SDK === "ours" ? await import("/pkg/index.js") : await import("/sdk/index.mjs");

const S = {
  vision: null,
  results: 0,
  firstResultAt: null,
  burst: { count: 0, first: null, last: null },
  errors: [],
};

function onResult(r) {
  const now = performance.now();
  S.results++;
  if (S.firstResultAt === null) S.firstResultAt = now;
  if (typeof r.result === "string" && r.result.startsWith("burst ")) {
    if (S.burst.count++ === 0) S.burst.first = now;
    S.burst.last = now;
  }
}

function onError(e) {
  if (S.errors.length < 20) S.errors.push(`${e?.name}: ${e?.message}`);
}

function config() {
  const cfg = {
    apiKey: API_KEY,
    apiUrl: API_URL,
    prompt: "What colour is the picture?",
    source: { type: "camera", cameraFacing: "user" },
    iceServers: [],
    onResult,
    onError,
  };
  // Same server-side cadence for both: ours sends its defaults (clip mode,
  // target_fps 6, clip_length_seconds 0.5, delay_seconds 0.5); the npm SDK's defaults
  // differ (delay 1 s, clip 1 s, sampling 0.1), so it gets the equivalent legacy pair
  // (fps = the camera's detected 30 × sampling_ratio 0.2 = 6 sampled fps).
  if (SDK === "ours") Object.assign(cfg, OURS_EXTRA);
  if (SDK !== "ours") cfg.processing = { sampling_ratio: 0.2, clip_length_seconds: 0.5, delay_seconds: 0.5 };
  return cfg;
}

window.bench = {
  sdk: SDK,

  /** Starts a stream; resolves with its id and when start() was called/resolved. */
  async start() {
    S.results = 0;
    S.firstResultAt = null;
    S.burst = { count: 0, first: null, last: null };
    const vision = new mod.RealtimeVision(config());
    S.vision = vision;
    const wall = Date.now();
    const t0 = performance.now();
    await vision.start();
    const resolvedAt = performance.now();
    return { wall, t0, resolvedAt, streamId: vision.getStreamId() };
  },

  async stop() {
    const vision = S.vision;
    S.vision = null;
    await vision?.stop();
  },

  /** `cycles` × (start(), stop()), back to back. */
  async cycles(cycles) {
    const t0 = performance.now();
    for (let i = 0; i < cycles; i++) {
      await this.start();
      await this.stop();
    }
    return (performance.now() - t0) / cycles;
  },

  state() {
    return { results: S.results, firstResultAt: S.firstResultAt, burst: { ...S.burst }, errors: [...S.errors], now: performance.now() };
  },

  /** Video outbound-rtp stats of the newest RTCPeerConnection the page created. */
  async outbound() {
    const pc = window.__benchPc?.deref();
    if (!pc) return null;
    const report = await pc.getStats();
    for (const s of report.values()) {
      if (s.type === "outbound-rtp" && s.kind === "video") {
        return {
          timestamp: s.timestamp, bytesSent: s.bytesSent, headerBytesSent: s.headerBytesSent,
          framesSent: s.framesSent, framesEncoded: s.framesEncoded, frameWidth: s.frameWidth,
          frameHeight: s.frameHeight, qualityLimitationReason: s.qualityLimitationReason,
          encoderImplementation: s.encoderImplementation,
        };
      }
    }
    return null;
  },

  /** Bytes of the package's WebAssembly memory (ours only; the npm SDK has none).
   * wasm-bindgen's init() returns the already instantiated exports on a second call. */
  async wasmMemoryBytes() {
    if (SDK !== "ours") return null;
    const glue = await import("/pkg/overshoot_wasm.js");
    const exports = await glue.default();
    return exports.memory.buffer.byteLength;
  },
};
window.benchReady = true;
