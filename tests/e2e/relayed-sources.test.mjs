// Sources the package draws through a canvas: screen capture, a video File/Blob or URL,
// HLS (native and hls.js). Each runs end to end against the emulator, and each test
// checks that stop() or a failure leaves nothing behind: no open stream at the emulator
// (one created while a failing video loaded was deleted by the package), no live track,
// no <video> element, every object URL revoked.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, launchChromium, openSdkPage, waitFor, afterFailedStart } from "./harness.mjs";
import { recordClip, splitFragmentedMp4, hlsPlaylist, serveFiles, hlsJsModule } from "./media-fixtures.mjs";

let emulator, browser, page;
const CLIP_SECONDS = 2;

// Runs in the page before the package: counts what a source could leak.
function instrument() {
  window.leaks = { objectUrls: new Set(), displayTracks: [], intervals: new Set() };
  const setInterval = window.setInterval.bind(window);
  const clearInterval = window.clearInterval.bind(window);
  window.setInterval = (...args) => { const id = setInterval(...args); window.leaks.intervals.add(id); return id; };
  window.clearInterval = (id) => { window.leaks.intervals.delete(id); clearInterval(id); };
  const create = URL.createObjectURL.bind(URL);
  const revoke = URL.revokeObjectURL.bind(URL);
  URL.createObjectURL = (obj) => { const url = create(obj); window.leaks.objectUrls.add(url); return url; };
  URL.revokeObjectURL = (url) => { window.leaks.objectUrls.delete(url); revoke(url); };
  const getDisplayMedia = navigator.mediaDevices.getDisplayMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getDisplayMedia = async (c) => {
    const stream = await getDisplayMedia(c);
    window.leaks.displayTracks.push(...stream.getTracks());
    return stream;
  };
  // Starts a recorded session on `source`; resolves once `results` results arrived (or
  // start failed: `startError`).
  window.startSource = async (key, source, results = 2) => {
    const session = window.recordSession({ apiKey: key, prompt: "p", source });
    if (!(await session.tryStart())) return session;
    // Until enough results, the session's end, or 30 s: the assertions say what is missing.
    await session.untilResults(results).catch(() => {});
    session.track = session.vision.getMediaStream()?.getVideoTracks()[0];
    return session;
  };
  // Resolves when `vision` reaches `state`; rejects after 15 s.
  window.untilState = async (vision, state) => {
    for (let waited = 0; vision.state !== state; waited += 50) {
      if (waited > 15000) throw new Error(`still ${vision.state}, not ${state}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  // What is left once a session is over (the relay's draw interval included).
  window.leftovers = async () => ({
    videos: document.querySelectorAll("video:not(#preview)").length,
    objectUrls: window.leaks.objectUrls.size,
    liveDisplayTracks: window.leaks.displayTracks.filter((t) => t.readyState === "live").length,
    intervals: window.leaks.intervals.size,
  });
}

const CLEAN = { videos: 0, objectUrls: 0, liveDisplayTracks: 0, intervals: 0 };

async function openStreams() {
  return (await emulator.streams()).open.length;
}

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ www: join(ROOT, "tests/e2e/www"), pkg: pkgDir });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await openSdkPage(browser, emulator.url, instrument);
  const webm = await recordClip(page, { rgb: [20, 200, 20], width: 1920, height: 1080, seconds: CLIP_SECONDS, mimeType: "video/webm;codecs=vp8" });
  const mp4 = await recordClip(page, { rgb: [20, 40, 220], width: 640, height: 360, seconds: CLIP_SECONDS, mimeType: "video/mp4;codecs=avc1" });
  const { init, media } = splitFragmentedMp4(mp4);
  await serveFiles(page, "/media/", {
    "green.webm": { body: webm, type: "video/webm" },
    "blue/index.m3u8": { body: hlsPlaylist(CLIP_SECONDS), type: "application/vnd.apple.mpegurl" },
    "blue/init.mp4": { body: init, type: "video/mp4" },
    "blue/seg0.m4s": { body: media, type: "video/iso.segment" },
    "hls.mjs": { body: hlsJsModule(), type: "text/javascript" },
  });
  // A server that accepts the request and never answers.
  await page.route("**/hanging/**", () => {});
  await page.evaluate((bytes) => { window.greenWebm = new Blob([new Uint8Array(bytes)], { type: "video/webm" }); }, [...webm]);
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

test("screen: captured through a canvas within 1280×720; Stop sharing ends the session with SourceEndedError", { timeout: 60_000 }, async () => {
  const outcome = await page.evaluate(async (key) => {
    const s = await window.startSource(key, { type: "screen", fps: 10 });
    if (s.startError) return s;
    const before = (await s.vision.getStats()).framesSent;
    await new Promise((r) => setTimeout(r, 1500));
    const after = (await s.vision.getStats()).framesSent;
    // What the browser does when the user presses "Stop sharing".
    const display = window.leaks.displayTracks[0];
    display.stop();
    display.dispatchEvent(new Event("ended"));
    await window.untilState(s.vision, "failed");
    return { results: s.results, errors: s.errors, states: s.states, framesDuring: after - before, track: s.track.readyState, left: await window.leftovers() };
  }, KEY);
  assert.equal(outcome.startError, undefined, JSON.stringify(outcome.startError));
  const [, w, h] = /at (\d+)x(\d+)$/.exec(outcome.results[1].result).map(Number);
  assert.ok(w <= 1280 && h <= 720 && w > 0, outcome.results[1].result);
  assert.ok(outcome.framesDuring >= 5, `frames kept flowing (${outcome.framesDuring} in 1.5 s)`);
  assert.deepEqual(outcome.errors.map((e) => [e.name, e.media]), [["SourceEndedError", true]]);
  assert.match(outcome.errors[0].message, /screen sharing was stopped/);
  assert.equal(outcome.states.at(-1), "failed");
  assert.equal(outcome.track, "ended");
  assert.deepEqual(outcome.left, CLEAN);
  await waitFor(async () => (await openStreams()) === 0, 5000, "the stream to be closed");
});

test("video File/Blob: decoded at the emulator, a 1080p clip capped to 1280×720; stop() releases it all", { timeout: 60_000 }, async () => {
  const outcome = await page.evaluate(async (key) => {
    const s = await window.startSource(key, { type: "video", file: window.greenWebm });
    if (s.startError) return s;
    const state = s.vision.state;
    await s.vision.stop();
    return { results: s.results, errors: s.errors, state, track: s.track?.readyState, left: await window.leftovers() };
  }, KEY);
  assert.equal(outcome.startError, undefined, JSON.stringify(outcome.startError));
  assert.deepEqual(outcome.errors, [], JSON.stringify(outcome));
  assert.match(outcome.results[1]?.result ?? "", /^green: .* at 1280x720$/, JSON.stringify(outcome));
  assert.equal(outcome.track, "ended");
  assert.deepEqual(outcome.left, CLEAN);
  assert.equal(await openStreams(), 0);
});

test("video URL with loop:false: plays, then its end ends the session with SourceEndedError", { timeout: 60_000 }, async () => {
  const outcome = await page.evaluate(async (key) => {
    const s = await window.startSource(key, { type: "video", url: "/media/green.webm", loop: false }, 1);
    if (s.startError) return s;
    await window.untilState(s.vision, "failed");
    return { results: s.results, errors: s.errors, states: s.states, left: await window.leftovers() };
  }, KEY);
  assert.equal(outcome.startError, undefined, JSON.stringify(outcome.startError));
  // A 2 s clip: on a loaded machine it may end before the first result.
  for (const { result } of outcome.results) assert.match(result, /^green/);
  assert.deepEqual(outcome.errors.map((e) => e.name), ["SourceEndedError"], JSON.stringify(outcome));
  assert.match(outcome.errors[0].message, /reached its end/);
  assert.deepEqual(outcome.left, CLEAN);
  await waitFor(async () => (await openStreams()) === 0, 5000, "the stream to be closed");
});

test("video sources that cannot load: a 404, a hanging server and a broken file give SourceLoadError; a stream created meanwhile is DELETEd before start() rejects", { timeout: 60_000 }, async () => {
  // The stream is created while the video loads (the start-up overlap): whether a fast
  // failure comes before the create call or after it, no stream stays open and any that
  // was created was deleted by the package (relayed-startup.test.mjs makes it come after).
  const failures = {};
  for (const [name, source] of Object.entries({
    missing: { type: "video", url: "/media/missing.webm" },
    hanging: { type: "video", url: "/hanging/clip.webm", loadTimeoutMs: 800 },
    garbage: { type: "video", file: "garbage" },
  })) {
    const mark = await emulator.streams();
    const error = await page.evaluate(async ({ key, source }) => {
      if (source.file === "garbage") source.file = new Blob(["not a video"], { type: "video/webm" });
      return (await window.startSource(key, source)).startError;
    }, { key: KEY, source });
    failures[name] = { error, server: await afterFailedStart(emulator, mark) };
  }
  const what = JSON.stringify(failures);
  for (const { error, server } of Object.values(failures)) {
    assert.equal(error?.name, "SourceLoadError", what);
    assert.equal(error.media, true, what);
    assert.equal(server.open, 0, what);
    assert.ok(server.ended.every((reason) => reason === "client_requested"), what);
  }
  // 800 ms is ample for the create call on loopback.
  assert.deepEqual(failures.hanging.server.ended, ["client_requested"], what);
  assert.deepEqual(failures.hanging.error.details, { reason: "timeout", timeoutMs: 800 });
  assert.deepEqual(await page.evaluate(() => window.leftovers()), CLEAN);
});

test("bad video and hls options are ValidationErrors naming the field", { timeout: 60_000 }, async () => {
  const names = await page.evaluate(() => {
    const fieldOf = (source) => {
      try {
        new window.sdk.RealtimeVision({ apiKey: "k", apiUrl: location.origin, prompt: "p", source, onResult() {} });
        return "accepted";
      } catch (e) {
        return `${e.name}:${e.details?.field}`;
      }
    };
    return [
      fieldOf({ type: "video" }),
      fieldOf({ type: "video", file: "clip.webm" }),
      fieldOf({ type: "video", file: new Blob([]), url: "/a.webm" }),
      fieldOf({ type: "video", url: "/a.webm", loadTimeoutMs: 5 }),
      fieldOf({ type: "screen", fps: 0 }),
      fieldOf({ type: "hls" }),
      fieldOf({ type: "hls", url: "/a.m3u8", hlsJs: 3 }),
    ];
  });
  assert.deepEqual(names, [
    "ValidationError:source.url", "ValidationError:source.file", "ValidationError:source.file",
    "ValidationError:source.loadTimeoutMs", "ValidationError:source.fps", "ValidationError:source.url",
    "ValidationError:source.hlsJs",
  ]);
});

test("hls: the browser's native HLS plays an fMP4 playlist", { timeout: 60_000 }, async () => {
  const outcome = await page.evaluate(async (key) => {
    const s = await window.startSource(key, { type: "hls", url: "/media/blue/index.m3u8" });
    if (s.startError) return s;
    await s.vision.stop();
    return { results: s.results, left: await window.leftovers() };
  }, KEY);
  assert.equal(outcome.startError, undefined, JSON.stringify(outcome.startError));
  assert.match(outcome.results[1].result, /^blue: .* at 640x360$/);
  assert.deepEqual(outcome.left, CLEAN);
});

test("hls without native HLS: hls.js given as a loader plays it; without hls.js, SourceUnsupportedError", { timeout: 60_000 }, async () => {
  const outcome = await page.evaluate(async (key) => {
    // What Firefox and older Chromium answer: no native HLS.
    const canPlayType = HTMLMediaElement.prototype.canPlayType;
    HTMLMediaElement.prototype.canPlayType = function (type) {
      return /mpegurl/i.test(type) ? "" : canPlayType.call(this, type);
    };
    try {
      const s = await window.startSource(key, { type: "hls", url: "/media/blue/index.m3u8", hlsJs: () => import("/media/hls.mjs") });
      if (s.startError) return s;
      await s.vision.stop();
      const without = await window.startSource(key, { type: "hls", url: "/media/blue/index.m3u8" });
      return { results: s.results, without: without.startError, left: await window.leftovers() };
    } finally {
      HTMLMediaElement.prototype.canPlayType = canPlayType;
    }
  }, KEY);
  assert.equal(outcome.startError, undefined, JSON.stringify(outcome.startError));
  assert.match(outcome.results[1].result, /^blue: .* at 640x360$/);
  assert.equal(outcome.without?.name, "SourceUnsupportedError", JSON.stringify(outcome.without));
  assert.match(outcome.without.message, /hls\.js/);
  assert.deepEqual(outcome.left, CLEAN);
  assert.equal(await openStreams(), 0);
});

test("stop() while a source is still loading aborts start() at once and releases the source", { timeout: 60_000 }, async () => {
  const outcome = await page.evaluate(async (key) => {
    const vision = new window.sdk.RealtimeVision({
      apiKey: key, apiUrl: location.origin, prompt: "p", onResult() {},
      source: { type: "video", url: "/hanging/slow.webm", loadTimeoutMs: 60000 },
    });
    const starting = vision.start().then(() => "started", (e) => e.name);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    await vision.stop();
    const outcome = await starting;
    return { outcome, settledWithinMs: Math.round(performance.now() - t0), state: vision.state, left: await window.leftovers() };
  }, KEY);
  assert.equal(outcome.outcome, "AbortError");
  assert.ok(outcome.settledWithinMs < 5000, `stop() did not wait for the 60 s load timeout (${outcome.settledWithinMs} ms)`);
  assert.equal(outcome.state, "stopped");
  assert.deepEqual(outcome.left, CLEAN);
  assert.equal(await openStreams(), 0);
});
