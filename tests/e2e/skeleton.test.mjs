// Walking skeleton, end to end: packed package in headless Chromium, fake camera fed
// a solid red Y4M, the Rust emulator decoding the video and reporting its colour.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor } from "./harness.mjs";

let emulator, browser, page;

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ ttl: 2, www: join(ROOT, "tests/e2e/www"), pkg: pkgDir });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await browser.newPage();
  page.on("console", (m) => { if (m.type() === "error") console.log("[page error]", m.text()); });
  await page.goto(emulator.url + "/");
  await page.waitForFunction(() => window.sdkReady === true);
});

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

test("results arrive, report red, survive lease renewals, follow updatePrompt, and stop cleans up", async () => {
  await page.evaluate(async ({ key }) => {
    const c = window.recordSession({ apiKey: key, source: { type: "camera", cameraFacing: "user" } });
    await c.vision.start();
  }, { key: KEY });

  assert.equal(await page.evaluate(() => window.current.vision.isActive()), true);
  const streamId = await page.evaluate(() => window.current.vision.getStreamId());
  assert.match(streamId, /^emu-/);

  const first = await waitFor(() => page.evaluate(() => window.current.results[0]), 15000, "first result");
  assert.equal(first.stream_id, streamId);
  assert.equal(first.ok, true);
  assert.match(first.result, /^red: mean RGB \((\d+), (\d+), (\d+)\)/, first.result);
  const [, r, g, b] = /\((\d+), (\d+), (\d+)\)/.exec(first.result).map(Number);
  assert.ok(Math.abs(r - 230) <= 12 && g <= 35 && b <= 35, `mean colour ${r},${g},${b}`);

  await page.evaluate(() => window.current.vision.getStats()); // first sample: rates start here
  await new Promise((res) => setTimeout(res, 1000));
  const stats = await page.evaluate(() => window.current.vision.getStats());
  assert.equal(stats.state, "streaming");
  assert.ok(stats.framesSent > 10, `framesSent ${stats.framesSent}`);
  // The encoder is capped to twice the sampling rate (target_fps 6 → 12 fps), not the
  // camera's 30 fps; the picture stays 640x480 (under the 720p cap).
  assert.ok(stats.fps > 0 && stats.fps <= 14, `fps sent ${stats.fps}`);
  assert.equal(`${stats.frameWidth}x${stats.frameHeight}`, "640x480");
  assert.ok(stats.bitrateBps > 0, `bitrate ${stats.bitrateBps}`);
  assert.ok(["host", "prflx"].includes(stats.candidateType), `candidate ${stats.candidateType}`);
  assert.ok(stats.resultsReceived >= 1);
  assert.equal(typeof stats.lastResultLatencyMs, "number");

  // TTL is 2 s: the package renews at 1 s; after 3.5 s the stream must still be alive.
  await new Promise((res) => setTimeout(res, 3500));
  const report = await emulator.streams();
  const open = report.open.find((s) => s.stream_id === streamId);
  assert.ok(open, "stream still open after more than one TTL");
  assert.ok(open.keepalives >= 2, `keepalives: ${open.keepalives}`);
  assert.equal(open.codec, "H264");

  await page.evaluate(() => window.current.vision.updatePrompt("Name the colour in one word"));
  const later = await waitFor(
    () => page.evaluate(() => window.current.results.find((r) => r.prompt === "Name the colour in one word")),
    10000, "a result with the new prompt");
  assert.match(later.result, /^red/);

  const tracks = await page.evaluate(() => window.current.vision.getMediaStream().getTracks());
  assert.equal(tracks.length, 1);
  const after = await page.evaluate(async () => {
    const stream = window.current.vision.getMediaStream();
    await window.current.vision.stop();
    await window.current.vision.stop(); // twice is fine
    return {
      active: window.current.vision.isActive(),
      state: window.current.vision.state,
      trackStates: stream.getTracks().map((t) => t.readyState),
      errors: window.current.errors,
      states: window.current.states,
    };
  });
  assert.deepEqual(after, {
    active: false, state: "stopped", trackStates: ["ended"], errors: [],
    states: ["starting", "connecting", "streaming", "stopping", "stopped"],
  });
  const final = await emulator.streams();
  assert.equal(final.open.length, 0, "no stream left open on the emulator");
  const ended = final.ended.find((s) => s.stream_id === streamId);
  assert.equal(ended.end_reason, "client_requested");
  assert.ok(ended.frames_decoded > 10, `frames decoded: ${ended.frames_decoded}`);
});

test("a bad API key rejects start() with UnauthorizedError and leaves no live track", async () => {
  const outcome = await page.evaluate(async ({ apiUrl }) => {
    // Record every track getUserMedia hands out, to check none is left live.
    const tracks = [];
    const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (c) => { const s = await gum(c); tracks.push(...s.getTracks()); return s; };
    const vision = new window.sdk.RealtimeVision({ apiKey: "wrong-key", apiUrl, prompt: "p", onResult: () => {} });
    try {
      await vision.start();
      return { started: true };
    } catch (e) {
      return {
        name: e.name, status: e.status, message: e.message, opened: tracks.length,
        live: tracks.filter((t) => t.readyState === "live").length,
        state: vision.state,
      };
    } finally {
      navigator.mediaDevices.getUserMedia = gum;
    }
  }, { apiUrl: emulator.url });
  assert.equal(outcome.name, "UnauthorizedError", JSON.stringify(outcome));
  assert.equal(outcome.status, 401);
  assert.equal(outcome.opened, 1, "the camera was opened");
  assert.equal(outcome.live, 0, "and closed again");
  assert.equal(outcome.state, "failed");
  assert.ok(!outcome.message.includes("wrong-key"), "the key never appears in messages");
});

test("invalid config throws ValidationError from the constructor", async () => {
  const errors = await page.evaluate(({ apiUrl }) => {
    const attempt = (cfg) => {
      try { new window.sdk.RealtimeVision(cfg); return null; } catch (e) { return { name: e.name, message: e.message }; }
    };
    const base = { apiKey: "k", apiUrl, prompt: "p", onResult: () => {} };
    return [
      attempt({ ...base, processing: { target_fps: 31 } }),
      attempt({ ...base, processing: { target_fps: "6" } }),
      attempt({ ...base, prompt: "" }),
      attempt({ ...base, onResult: undefined }),
      attempt({ ...base, apiUrl: "http://example.com/v1" }),
    ];
  }, { apiUrl: emulator.url });
  for (const e of errors) assert.equal(e?.name, "ValidationError", JSON.stringify(errors));
  assert.match(errors[0].message, /processing\.target_fps must be between 1 and 30/);
  assert.match(errors[1].message, /processing\.target_fps must be a number \(got string\)/);
});
