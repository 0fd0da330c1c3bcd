// A/B of start-up with a slow video source (a URL whose server answers after
// --video-delay-ms, as a remote file's metadata would), alternating builds run by run in
// one browser, each build against its own emulator (--network-delay-ms: every byte to
// and from the API, and every media datagram, delayed one way). Per run: start() resolved, and the emulator's first decoded frame, both from
// just before start(). Prints each run and the medians; writes nothing.
//
//   node bench/relayed-startup.mjs --variant main=/tmp/pkg-main --variant relay=pkg
//        [--runs 7] [--video-delay-ms 600] [--network-delay-ms 50] [--transport webrtc|livekit]
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { KEY, ROOT, solidY4m, startEmulator, launchChromium, openSdkPage, waitFor } from "../tests/e2e/harness.mjs";
import { recordClip } from "../tests/e2e/media-fixtures.mjs";

const { values } = parseArgs({
  options: {
    variant: { type: "string", multiple: true, default: [] },
    runs: { type: "string", default: "7" },
    "video-delay-ms": { type: "string", default: "600" },
    "network-delay-ms": { type: "string", default: "50" },
    transport: { type: "string", default: "webrtc" },
  },
});
const runs = Number(values.runs);
const videoDelayMs = Number(values["video-delay-ms"]);
const transport = values.transport;
const variants = values.variant.map((v) => ({ name: v.split("=")[0], dir: resolve(v.split("=")[1]), samples: [] }));
if (variants.length < 2) throw new Error("give at least two builds: --variant name=dir");

const browser = await launchChromium(solidY4m([230, 20, 20]));
let clip;
for (const v of variants) {
  v.emulator = await startEmulator({
    www: join(ROOT, "tests/e2e/www"), pkg: v.dir, networkDelayMs: Number(values["network-delay-ms"]),
  });
  v.page = await openSdkPage(browser, v.emulator.url);
  clip ??= await recordClip(v.page, { rgb: [20, 200, 20], width: 640, height: 360, seconds: 2, mimeType: "video/webm;codecs=vp8" });
  await v.page.route(/\/media\/clip\.webm/, async (route) => {
    await new Promise((ok) => setTimeout(ok, videoDelayMs));
    await route.fulfill({ body: clip, contentType: "video/webm" });
  });
  await v.page.route("**/vendor/livekit-client.mjs", (route) => route.fulfill({
    body: readFileSync(join(ROOT, "node_modules/livekit-client/dist/livekit-client.esm.mjs")),
    contentType: "text/javascript",
  }));
}

/** One start-up on `v`: start() resolved and the first decoded frame, ms after start(). */
async function run(v, i) {
  const s = await v.page.evaluate(async ({ key, url, transport }) => {
    const config = { apiKey: key, apiUrl: location.origin, prompt: "p", onResult() {}, source: { type: "video", url } };
    if (transport === "livekit") Object.assign(config, { transport, livekitClient: () => import("/vendor/livekit-client.mjs") });
    // The LiveKit transport is in the full entry (`overshoot-wasm/full`, pkg/v1beta.js);
    // a build older than that split has it in the main one.
    const sdk = transport === "livekit" ? await import("/pkg/v1beta.js").catch(() => window.sdk) : window.sdk;
    window.vision = new sdk.RealtimeVision(config);
    const wall = Date.now();
    const t0 = performance.now();
    await window.vision.start();
    return { wall, resolveMs: performance.now() - t0, streamId: window.vision.getStreamId() };
  }, { key: KEY, url: `/media/clip.webm?run=${i}`, transport });
  const report = await waitFor(async () => {
    const r = (await v.emulator.streams()).open.find((x) => x.stream_id === s.streamId);
    return r?.first_frame_unix_ms ? r : null;
  }, 15000, "the first decoded frame");
  await v.page.evaluate(() => window.vision.stop());
  return { resolveMs: s.resolveMs, firstFrameMs: report.first_frame_unix_ms - s.wall };
}

// One warm-up each (module loads, codecs), then alternating runs.
for (const v of variants) await run(v, -1);
for (let i = 0; i < runs; i++) {
  for (const v of i % 2 ? [...variants].reverse() : variants) {
    const sample = await run(v, i);
    v.samples.push(sample);
    console.log(`${v.name} run ${i + 1}: start() ${sample.resolveMs.toFixed(0)} ms, first frame ${sample.firstFrameMs.toFixed(0)} ms`);
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`\n${transport}, video served after ${videoDelayMs} ms, network delayed ${values["network-delay-ms"]} ms one way, n=${runs} each (medians):`);
for (const v of variants) {
  const resolve = median(v.samples.map((s) => s.resolveMs));
  const frame = median(v.samples.map((s) => s.firstFrameMs));
  console.log(`  ${v.name.padEnd(8)} start() ${resolve.toFixed(0)} ms, first frame ${frame.toFixed(0)} ms`);
}
await browser.close();
for (const v of variants) await v.emulator.stop();
