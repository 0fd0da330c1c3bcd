// The start-up overlap for video and HLS sources, over both transports (WebRTC and the
// native LiveKit transport with the real livekit-client): the stream is created and
// connected while the video's metadata or the HLS manifest is still loading, the
// canvas track is attached when it is there (with encodings for its size); a source
// that fails meanwhile DELETEs the stream before start() rejects with its typed error,
// and stop() during the overlap leaves nothing behind. A screen does not overlap: the
// stream is created only once the user has picked what to share (README, start-up order).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, launchChromium, openSdkPage, waitFor, afterFailedStart } from "./harness.mjs";
import { recordClip, splitFragmentedMp4, hlsPlaylist, serveFiles, hlsJsModule } from "./media-fixtures.mjs";

let emulator, browser, page;
const CLIP_SECONDS = 2;
/** How long the slow server takes to answer the video's first request. */
const SLOW_MS = 1200;

// Runs in the page before the package: records peer connections, the create call's
// time, what a source could leak, and when the slow video and the screen arrived.
function instrument() {
  window.peers = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      window.peers.push(this);
    }
  };
  window.marks = {};
  const nativeFetch = window.fetch;
  window.fetch = (input, init) => {
    if ((init?.method ?? "GET") === "POST" && /\/streams$/.test(String(input))) window.marks.createdAt = performance.now();
    return nativeFetch(input, init);
  };
  window.screenMs = 0;
  const getDisplayMedia = navigator.mediaDevices.getDisplayMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getDisplayMedia = async (c) => {
    await new Promise((ok) => setTimeout(ok, window.screenMs));
    window.marks.screenAt = performance.now();
    return getDisplayMedia(c);
  };
  window.config = (key, options) => {
    const { livekit, apiUrl = location.origin, ...source } = options;
    const config = { apiKey: key, apiUrl, prompt: "p", source };
    if (livekit) Object.assign(config, { transport: "livekit", livekitClient: () => import("/vendor/livekit-client.mjs") });
    if (source.hlsJs) source.hlsJs = () => import("/media/hls.mjs");
    return config;
  };
  // The LiveKit transport is in the full entry (`overshoot-wasm/full`, pkg/v1beta.js);
  // WebRTC runs use the main entry, which the page loaded as `window.sdk`.
  window.useEntry = async (livekit) => {
    window.mainSdk ??= window.sdk;
    window.sdk = livekit ? (window.fullSdk ??= await import("/pkg/v1beta.js")) : window.mainSdk;
  };
  window.leftovers = () => ({
    videos: document.querySelectorAll("video:not(#preview)").length,
    openPeers: window.peers.filter((pc) => pc.signalingState !== "closed").length,
  });
}

const CLEAN = { videos: 0, openPeers: 0 };

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ www: join(ROOT, "tests/e2e/www"), pkg: pkgDir });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await openSdkPage(browser, emulator.url, instrument);
  await page.route("**/vendor/livekit-client.mjs", (route) => route.fulfill({
    body: readFileSync(join(ROOT, "node_modules/livekit-client/dist/livekit-client.esm.mjs")),
    contentType: "text/javascript",
  }));
  const webm = await recordClip(page, { rgb: [20, 200, 20], width: 640, height: 360, seconds: CLIP_SECONDS, mimeType: "video/webm;codecs=vp8" });
  const mp4 = await recordClip(page, { rgb: [20, 40, 220], width: 640, height: 360, seconds: CLIP_SECONDS, mimeType: "video/mp4;codecs=avc1" });
  const { init, media } = splitFragmentedMp4(mp4);
  const webmFile = { body: webm, type: "video/webm" };
  await serveFiles(page, "/media/", {
    "slow.webm": { ...webmFile, delayMs: SLOW_MS },
    "slow-lk.webm": { ...webmFile, delayMs: SLOW_MS },
    "slower-than-the-lease.webm": { ...webmFile, delayMs: 5000 },
    "gone-slowly.webm": { body: "gone", type: "text/plain", status: 404, delayMs: SLOW_MS },
    "gone-slowly.m3u8": { body: "gone", type: "text/plain", status: 404, delayMs: SLOW_MS },
    "blue/index.m3u8": { body: hlsPlaylist(CLIP_SECONDS), type: "application/vnd.apple.mpegurl", delayMs: SLOW_MS },
    "blue/init.mp4": { body: init, type: "video/mp4" },
    "blue/seg0.m4s": { body: media, type: "video/iso.segment" },
    "hls.mjs": { body: hlsJsModule(), type: "text/javascript" },
  });
  // A server that accepts the request and never answers.
  await page.route("**/hanging/**", () => {});
}, { timeout: 90_000 });

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

/** Starts a session on `options` (a source, plus `livekit: true` for that transport), times it,
 * waits for `results` results and stops it. */
function streamFrom(options, results = 2) {
  return page.evaluate(async ({ key, options, results }) => {
    await window.useEntry(options.livekit);
    window.marks = {};
    const s = window.recordSession(window.config(key, options));
    const t0 = performance.now();
    if (!(await s.tryStart())) return { startError: s.startError };
    const startedMs = performance.now() - t0;
    const sender = window.peers.at(-1)?.getSenders()[0];
    const scale = options.livekit ? null : sender.getParameters().encodings[0].scaleResolutionDownBy;
    await s.untilResults(results).catch(() => {});
    // The bitrate cap goes on once the first frame is out, so it is read after results.
    const encoding = options.livekit ? null : { ...sender.getParameters().encodings[0], scaleResolutionDownBy: scale };
    await s.vision.stop();
    // livekit-client closes its peer connections after its leave, a moment later.
    for (let waited = 0; window.leftovers().openPeers > 0 && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    return {
      createdAfterMs: window.marks.createdAt - t0,
      startedMs,
      encoding: encoding && { scale: encoding.scaleResolutionDownBy, maxBitrate: encoding.maxBitrate },
      results: s.results.map((r) => r.result),
      errors: s.errors,
      left: window.leftovers(),
    };
  }, { key: KEY, options, results });
}

for (const livekit of [false, true]) {
  const over = livekit ? "LiveKit transport" : "WebRTC";
  const file = livekit ? "slow-lk.webm" : "slow.webm";

  test(`${over}: a slow video URL; the stream is created before the video arrives, the canvas track is sent once it does`, { timeout: 90_000 }, async () => {
    const run = await streamFrom({ type: "video", url: `/media/${file}`, livekit });
    assert.equal(run.startError, undefined, JSON.stringify(run.startError));
    assert.ok(run.createdAfterMs < SLOW_MS / 2, `created ${run.createdAfterMs} ms after start(), the video takes ${SLOW_MS} ms`);
    assert.ok(run.startedMs >= SLOW_MS, `start() resolved after ${run.startedMs} ms, before the video arrived`);
    assert.deepEqual(run.errors, []);
    assert.ok(run.results.length >= 2, JSON.stringify(run));
    // Over LiveKit the emulator decodes the layer livekit-client's simulcast gives it.
    for (const result of run.results) assert.match(result, livekit ? /^green: / : /^green: .* at 640x360$/);
    if (!livekit) {
      // The encodings of the canvas's size: its scale set when the track is attached, its
      // bitrate once the first frame is out: 640×360 at 12 fps × 0.1 bit per pixel (an
      // unknown size would have been 1280×720's 1105920).
      assert.deepEqual(run.encoding, { scale: 1, maxBitrate: 276480 });
    }
    assert.deepEqual(run.left, CLEAN);
    const { open, ended } = await emulator.streams();
    assert.equal(open.length, 0);
    assert.equal(ended.at(-1).end_reason, "client_requested");
  });

  test(`${over}: a video and an HLS manifest that fail while the stream is created: SourceLoadError, the stream DELETEd before start() rejects`, { timeout: 90_000 }, async () => {
    const sources = [
      { type: "video", url: "/media/gone-slowly.webm" },
      { type: "video", url: "/hanging/clip.webm", loadTimeoutMs: SLOW_MS },
      { type: "hls", url: "/media/gone-slowly.m3u8", hlsJs: true },
    ];
    for (const source of sources) {
      const mark = await emulator.streams();
      const logMark = emulator.log().length;
      const failed = await page.evaluate(async ({ key, options }) => {
        await window.useEntry(options.livekit);
        window.marks = {};
        const s = window.recordSession(window.config(key, options));
        await s.tryStart();
        return { error: s.startError, created: window.marks.createdAt !== undefined, state: s.vision.state, left: window.leftovers() };
      }, { key: KEY, options: { ...source, livekit } });
      // Read at once: the package DELETEs the stream before start() rejects.
      const server = await afterFailedStart(emulator, mark);
      const what = JSON.stringify({ source, failed, server });
      assert.equal(failed.error?.name, "SourceLoadError", what);
      assert.equal(failed.error.media, true, what);
      assert.equal(failed.created, true, what);
      assert.deepEqual(server, { open: 0, ended: ["client_requested"] }, what);
      assert.equal(failed.state, "failed");
      assert.deepEqual(failed.left, CLEAN, what);
      // No room was joined for it.
      assert.deepEqual(emulator.log().slice(logMark).split("\n").filter((l) => / joined room /.test(l)), [], what);
    }
  });

  test(`${over}: stop() while the video is still loading and the stream already exists: AbortError, the stream DELETEd, nothing left`, { timeout: 90_000 }, async () => {
    const mark = await emulator.streams();
    await page.evaluate(async ({ key, livekit }) => {
      await window.useEntry(livekit);
      window.marks = {};
      window.vision = new window.sdk.RealtimeVision({ ...window.config(key, { type: "video", url: "/hanging/slow.webm", loadTimeoutMs: 60000, livekit }), onResult() {} });
      window.starting = window.vision.start().then(() => "started", (e) => e.name);
    }, { key: KEY, livekit });
    await waitFor(async () => (await emulator.streams()).open.length === 1, 10000, "the stream to be created");
    const stopped = await page.evaluate(async () => {
      const t0 = performance.now();
      await window.vision.stop();
      return { outcome: await window.starting, settledWithinMs: Math.round(performance.now() - t0), state: window.vision.state, left: window.leftovers() };
    });
    assert.equal(stopped.outcome, "AbortError");
    assert.ok(stopped.settledWithinMs < 5000, `stop() did not wait for the 60 s load timeout (${stopped.settledWithinMs} ms)`);
    assert.equal(stopped.state, "stopped");
    assert.deepEqual(stopped.left, CLEAN);
    assert.deepEqual(await afterFailedStart(emulator, mark), { open: 0, ended: ["client_requested"] });
  });
}

test("a video that opens slower than the lease lasts: the lease is renewed meanwhile, the stream lives on", { timeout: 90_000 }, async () => {
  // A 2 s lease (renewed every second); the video arrives after 5 s.
  const short = await startEmulator({ ttl: 2 });
  try {
    const run = await streamFrom({ type: "video", url: "/media/slower-than-the-lease.webm", apiUrl: short.url }, 1);
    assert.equal(run.startError, undefined, JSON.stringify(run.startError));
    assert.ok(run.createdAfterMs < 2500, JSON.stringify(run));
    assert.deepEqual(run.errors, []);
    assert.ok(run.results.length >= 1 && run.results.every((r) => /^green: /.test(r)), JSON.stringify(run));
    const [ended] = (await short.streams()).ended;
    assert.equal(ended.end_reason, "client_requested", JSON.stringify(ended));
    // Four or so while the video loaded, then the session's own.
    assert.ok(ended.keepalives >= 3, JSON.stringify(ended));
  } finally {
    await short.stop();
  }
});

test("HLS through hls.js with a slow manifest: the stream is created before the manifest arrives; blue results", { timeout: 90_000 }, async () => {
  const run = await page.evaluate(async () => {
    // What Firefox and older Chromium answer: no native HLS.
    const canPlayType = HTMLMediaElement.prototype.canPlayType;
    HTMLMediaElement.prototype.canPlayType = function (type) {
      return /mpegurl/i.test(type) ? "" : canPlayType.call(this, type);
    };
    return null;
  });
  assert.equal(run, null);
  try {
    const hls = await streamFrom({ type: "hls", url: "/media/blue/index.m3u8", hlsJs: true });
    assert.equal(hls.startError, undefined, JSON.stringify(hls.startError));
    assert.ok(hls.createdAfterMs < SLOW_MS / 2, `created ${hls.createdAfterMs} ms after start(), the manifest takes ${SLOW_MS} ms`);
    assert.ok(hls.results.length >= 2 && hls.results.every((r) => /^blue: .* at 640x360$/.test(r)), JSON.stringify(hls));
    assert.deepEqual(hls.left, CLEAN);
  } finally {
    await page.reload();
    await page.waitForFunction(() => window.sdkReady === true);
  }
});

test("a screen does not overlap: the stream is created only after the user picked what to share", { timeout: 90_000 }, async () => {
  const run = await page.evaluate(async (key) => {
    window.marks = {};
    window.screenMs = 800;
    const s = window.recordSession({ apiKey: key, prompt: "p", source: { type: "screen", fps: 5 } });
    const ok = await s.tryStart();
    await s.vision.stop();
    return { ok, startError: s.startError, createdAt: window.marks.createdAt, screenAt: window.marks.screenAt, left: window.leftovers() };
  }, KEY);
  assert.equal(run.ok, true, JSON.stringify(run.startError));
  assert.ok(run.createdAt > run.screenAt, JSON.stringify(run));
  assert.deepEqual(run.left, CLEAN);
});
