// Video sources beyond the default camera: a canvas the app draws, a bare
// MediaStreamTrack, and switching cameras mid-stream with replaceTrack.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor, openSdkPage } from "./harness.mjs";

let emulator, browser, page;

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ www: join(ROOT, "tests/e2e/www"), pkg: pkgDir });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await openSdkPage(browser, emulator.url);
});

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

test("a canvas drawn by the app is captured; its capture track stops on stop()", async () => {
  const outcome = await page.evaluate(async ({ key }) => {
    const canvas = document.createElement("canvas");
    canvas.width = 320;
    canvas.height = 240;
    const ctx = canvas.getContext("2d");
    const draw = () => { ctx.fillStyle = "rgb(20, 40, 220)"; ctx.fillRect(0, 0, 320, 240); };
    const timer = setInterval(draw, 50);
    draw();
    const s = window.recordSession({ apiKey: key, source: { type: "canvas", canvas, fps: 15 } });
    await s.vision.start();
    await s.untilResults(2);
    const track = s.vision.getMediaStream().getVideoTracks()[0];
    await s.vision.stop();
    clearInterval(timer);
    return { result: s.results[1].result, track: track.readyState };
  }, { key: KEY });
  assert.match(outcome.result, /^blue: .* at 320x240$/, outcome.result);
  assert.equal(outcome.track, "ended");
});

test("a bare MediaStreamTrack is sent and stays the app's", async () => {
  const outcome = await page.evaluate(async ({ key }) => {
    const media = await navigator.mediaDevices.getUserMedia({ video: true });
    const track = media.getVideoTracks()[0];
    const s = window.recordSession({ apiKey: key, source: track });
    await s.vision.start();
    await s.untilResults(1);
    await s.vision.stop();
    const state = track.readyState;
    track.stop();
    return { result: s.results[0].result, state };
  }, { key: KEY });
  assert.match(outcome.result, /^red/);
  assert.equal(outcome.state, "live", "the app's track is not stopped by the package");
});

test("switchCamera swaps the track with replaceTrack: same stream id, old track ended, frames keep coming", async () => {
  const before = await page.evaluate(async ({ key }) => {
    const c = window.recordSession({ apiKey: key });
    await c.vision.start();
    await c.untilResults(1);
    c.oldTrack = c.vision.getMediaStream().getVideoTracks()[0];
    return { id: c.vision.getStreamId() };
  }, { key: KEY });
  const framesBefore = (await emulator.streams()).open[0].frames_decoded;
  const after = await page.evaluate(async () => {
    const c = window.current;
    const devices = await navigator.mediaDevices.enumerateDevices();
    const cameras = devices.filter((d) => d.kind === "videoinput");
    await c.vision.switchCamera(cameras.at(-1).deviceId);
    await c.untilResults(c.results.length + 2);
    const newTrack = c.vision.getMediaStream().getVideoTracks()[0];
    const out = {
      id: c.vision.getStreamId(), old: c.oldTrack.readyState, current: newTrack.readyState,
      distinct: newTrack !== c.oldTrack, last: c.results.at(-1).result,
    };
    let bad = null;
    try { await c.vision.switchCamera(""); } catch (e) { bad = e.name; }
    out.bad = bad;
    return out;
  });
  assert.equal(after.id, before.id, "no new stream");
  assert.deepEqual([after.old, after.current, after.distinct], ["ended", "live", true]);
  assert.match(after.last, /^red/);
  assert.equal(after.bad, "ValidationError");
  await waitFor(async () => (await emulator.streams()).open[0].frames_decoded > framesBefore + 5, 5000, "frames of the new track");
  await page.evaluate(() => window.current.vision.stop());
});

/** Makes the page's camera behave like a phone's: `rule(constraints, liveTracks)` may
 * return the name of a DOMException to throw, and `delayMs` holds each answer. */
async function phoneCamera(rule, delayMs = 0) {
  await page.evaluate(({ rule, delayMs }) => {
    const md = navigator.mediaDevices;
    window.realGetUserMedia ??= md.getUserMedia.bind(md);
    window.handedOut = [];
    const decide = new Function("constraints", "live", `return (${rule})(constraints, live);`);
    md.getUserMedia = async (constraints) => {
      await new Promise((r) => setTimeout(r, delayMs));
      const live = window.handedOut.filter((t) => t.readyState === "live").length;
      const refuse = decide(constraints, live);
      if (refuse) throw new DOMException("Could not start video source", refuse);
      const stream = await window.realGetUserMedia(constraints);
      window.handedOut.push(...stream.getTracks());
      return stream;
    };
  }, { rule: rule.toString(), delayMs });
}

async function restoreCamera() {
  await page.evaluate(() => {
    if (window.realGetUserMedia) navigator.mediaDevices.getUserMedia = window.realGetUserMedia;
  });
}

test("on a phone that cannot open two cameras at once, switchCamera releases the current one first", async () => {
  await phoneCamera((_, live) => (live > 0 ? "NotReadableError" : null));
  try {
    const out = await page.evaluate(async () => {
      const c = window.recordSession();
      await c.vision.start();
      await c.untilResults(1);
      const id = c.vision.getStreamId();
      const old = c.vision.getMediaStream().getVideoTracks()[0];
      await c.vision.switchCamera("environment");
      await c.untilResults(c.results.length + 2);
      const now = c.vision.getMediaStream().getVideoTracks()[0];
      const out = { sameStream: c.vision.getStreamId() === id, old: old.readyState, now: now.readyState, errors: c.errors, last: c.results.at(-1).result };
      await c.vision.stop();
      return out;
    });
    assert.deepEqual([out.sameStream, out.old, out.now], [true, "ended", "live"], JSON.stringify(out));
    assert.deepEqual(out.errors, []);
    assert.match(out.last, /^red/);
  } finally {
    await restoreCamera();
  }
});

test("when the other camera cannot open even alone, the first one is reopened and the stream goes on", async () => {
  await phoneCamera((c, live) => (live > 0 || c.video?.facingMode?.ideal === "environment" ? "NotReadableError" : null));
  try {
    const out = await page.evaluate(async () => {
      const c = window.recordSession();
      await c.vision.start();
      await c.untilResults(1);
      let failure = null;
      try { await c.vision.switchCamera("environment"); } catch (e) { failure = { name: e.name, cause: e.cause?.name }; }
      await c.untilResults(c.results.length + 2);
      const out = {
        failure, state: c.vision.state, errors: c.errors,
        now: c.vision.getMediaStream().getVideoTracks()[0].readyState,
        live: window.handedOut.filter((t) => t.readyState === "live").length,
        last: c.results.at(-1).result,
      };
      await c.vision.stop();
      return out;
    });
    assert.deepEqual(out.failure, { name: "MediaError", cause: "NotReadableError" }, JSON.stringify(out));
    assert.deepEqual([out.state, out.now, out.live], ["streaming", "live", 1], JSON.stringify(out));
    assert.deepEqual(out.errors, []);
    assert.match(out.last, /^red/);
  } finally {
    await restoreCamera();
  }
});

test("stop() during a switchCamera prompt returns at once; the camera granted later is stopped", async () => {
  const out = await page.evaluate(async () => {
    const c = window.recordSession();
    await c.vision.start();
    await c.untilResults(1);
    return true;
  });
  assert.ok(out);
  await phoneCamera(() => null, 1500);
  try {
    const result = await page.evaluate(async () => {
      const c = window.current;
      const switching = c.vision.switchCamera("environment").then(() => "switched", (e) => e.name);
      await new Promise((r) => setTimeout(r, 200)); // the prompt is open
      const t0 = performance.now();
      await c.vision.stop();
      const stopMs = performance.now() - t0;
      const switched = await switching;
      await new Promise((r) => setTimeout(r, 1800)); // the prompt answers
      return { stopMs, switched, live: window.handedOut.filter((t) => t.readyState === "live").length, handed: window.handedOut.length };
    });
    assert.equal(result.switched, "AbortError", JSON.stringify(result));
    assert.ok(result.stopMs < 1000, `stop() took ${result.stopMs} ms`);
    assert.deepEqual([result.handed, result.live], [1, 0], JSON.stringify(result));
    await waitFor(async () => (await emulator.streams()).open.length === 0, 8000, "no open stream");
  } finally {
    await restoreCamera();
  }
});
