// The emulator's network emulation (`--network-delay-ms`, `--tls`) with the packed
// package in Chromium, and the order of stop(): the camera goes off at once and the
// server records the client's DELETE before the media connection closes.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { get as httpsGet } from "node:https";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor } from "./harness.mjs";

const { pkgDir } = packedPackage();
const opened = [];
after(async () => {
  for (const close of opened.reverse()) await close();
});

async function open({ networkDelayMs = 0, tls = false }) {
  const emulator = await startEmulator({ www: join(ROOT, "tests/e2e/www"), pkg: pkgDir, networkDelayMs, tls });
  opened.push(() => emulator.stop());
  const browser = await launchChromium(solidY4m([230, 20, 20]), { acceptSelfSigned: tls });
  opened.push(() => browser.close());
  const page = await browser.newPage();
  // Keeps the newest RTCPeerConnection reachable (for the control case below).
  await page.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Native {
      constructor(...args) {
        super(...args);
        window.__lastPc = this;
      }
    };
  });
  await page.goto(emulator.url + "/");
  await page.waitForFunction(() => window.sdkReady === true);
  return { emulator, page };
}

/** Starts a camera stream, waits for a result, stops it (with `closeFirst`, after
 * closing its peer connection as the package did before); returns the page's timings. */
async function startResultStop(page, { closeFirst = false } = {}) {
  return page.evaluate(async ({ key, closeFirst }) => {
    const c = window.recordSession({ apiKey: key, source: { type: "camera", cameraFacing: "user" } });
    const t0 = performance.now();
    await c.vision.start();
    const started = performance.now() - t0;
    const streamId = c.vision.getStreamId();
    while (c.results.length === 0) await new Promise((ok) => setTimeout(ok, 20));
    const track = c.vision.getMediaStream().getVideoTracks()[0];
    if (closeFirst) {
      window.__lastPc.close();
      await new Promise((ok) => setTimeout(ok, 100));
    }
    const s0 = performance.now();
    const stopping = c.vision.stop().then(() => performance.now() - s0);
    while (track.readyState !== "ended") await new Promise((ok) => setTimeout(ok, 1));
    const trackEnded = performance.now() - s0;
    const stopped = await stopping;
    return { started, streamId, trackEnded, stopped, result: c.results[0].result, errors: c.errors };
  }, { key: KEY, closeFirst });
}

async function endedReport(emulator, streamId) {
  return waitFor(async () => (await emulator.streams()).ended.find((s) => s.stream_id === streamId), 5000, "the ended stream's report");
}

test("stop(): the camera goes off at once and the DELETE reaches the server before the media connection closes", async () => {
  const { emulator, page } = await open({});
  for (let i = 0; i < 3; i++) {
    const run = await startResultStop(page);
    assert.deepEqual(run.errors, []);
    assert.match(run.result, /^red/);
    const report = await endedReport(emulator, run.streamId);
    assert.equal(report.end_reason, "client_requested");
    // `closed`: the server closed the media session on the DELETE; had the browser
    // closed its connection first, the session would have ended with "connection closed".
    assert.equal(report.media_end, "closed", `run ${i}: ${JSON.stringify(report)}`);
    assert.ok(run.trackEnded <= run.stopped, `track ended at ${run.trackEnded} ms, stop() resolved at ${run.stopped} ms`);
  }
  // Control: the connection closed before the DELETE is recorded as such, so the
  // assertion above can tell the two orders apart.
  const control = await startResultStop(page, { closeFirst: true });
  const report = await endedReport(emulator, control.streamId);
  assert.notEqual(report.media_end, "closed", JSON.stringify(report));
});

/** Milliseconds from opening a new connection to `url` (TLS, certificate not checked)
 * until its answer has been read, and the answer's status. */
function timedFreshGet(url) {
  return new Promise((ok, fail) => {
    const t0 = performance.now();
    httpsGet(url, { rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      res.on("end", () => ok({ ms: performance.now() - t0, status: res.statusCode }));
    }).on("error", fail);
  });
}

test("--network-delay-ms and --tls: start-up pays the round trips over HTTPS/WSS, and stop() keeps its order", async () => {
  const delay = 60;
  const { emulator, page } = await open({ networkDelayMs: delay, tls: true });
  assert.match(emulator.url, /^https:/);
  // The delay is on the byte stream: a new connection pays the TCP handshake, TLS 1.3's
  // round trip and the request's, three round trips of 2 × delay.
  const fresh = await timedFreshGet(emulator.url + "/__emulator/streams");
  assert.equal(fresh.status, 200);
  assert.ok(fresh.ms >= 6 * delay, `a new HTTPS connection and one GET took ${fresh.ms} ms`);
  const run = await startResultStop(page);
  assert.deepEqual(run.errors, []);
  assert.match(run.result, /^red/);
  // At least the create POST's round trip (the page is same-origin: no preflight, and
  // its TLS connection is already open); ICE and DTLS come after start() resolves.
  assert.ok(run.started >= 2 * delay, `start() resolved after ${run.started} ms`);
  // The DELETE costs its round trip; the camera is off well before its answer arrives.
  assert.ok(run.stopped >= 2 * delay, `stop() resolved after ${run.stopped} ms`);
  assert.ok(run.trackEnded < run.stopped - delay, `track ended at ${run.trackEnded} ms, stop() at ${run.stopped} ms`);
  const report = await endedReport(emulator, run.streamId);
  assert.equal(report.end_reason, "client_requested");
  assert.equal(report.media_end, "closed", JSON.stringify(report));
  // From the create: its answer's delay, then ICE (a STUN round trip) and DTLS (two).
  assert.ok(report.first_frame_ms >= 3 * delay, `first frame ${report.first_frame_ms} ms after the create`);
});

test("start-up overlaps a slow camera: the stream is created before the camera answers; a refusal still rejects with MediaError and deletes it", async () => {
  const { emulator, page } = await open({ networkDelayMs: 20 });
  await page.evaluate(() => {
    const devices = navigator.mediaDevices;
    const native = devices.getUserMedia.bind(devices);
    window.camera = { ms: 800, refuse: false, answeredAt: null };
    devices.getUserMedia = async (constraints) => {
      await new Promise((ok) => setTimeout(ok, window.camera.ms));
      window.camera.answeredAt = performance.now();
      if (window.camera.refuse) throw new DOMException("Permission denied", "NotAllowedError");
      return native(constraints);
    };
    const nativeFetch = window.fetch;
    window.fetch = (input, init) => {
      if ((init?.method ?? "GET") === "POST" && /\/streams$/.test(String(input))) window.createdAt = performance.now();
      return nativeFetch(input, init);
    };
  });
  const granted = await page.evaluate(async ({ key }) => {
    const c = window.recordSession({ apiKey: key, source: { type: "camera", cameraFacing: "user" } });
    window.createdAt = null;
    await c.vision.start();
    while (c.results.length === 0) await new Promise((ok) => setTimeout(ok, 20));
    const out = { createdAt: window.createdAt, answeredAt: window.camera.answeredAt, result: c.results[0].result };
    await c.vision.stop();
    return out;
  }, { key: KEY });
  assert.ok(granted.createdAt < granted.answeredAt - 400, JSON.stringify(granted));
  assert.match(granted.result, /^red/);

  const refused = await page.evaluate(async ({ key }) => {
    window.camera.refuse = true;
    window.createdAt = null;
    const c = window.recordSession({ apiKey: key, source: { type: "camera", cameraFacing: "user" } });
    const error = await c.vision.start().then(() => null, (e) => ({ name: e.name, media: e instanceof window.sdk.MediaError, cause: e.cause?.name }));
    return { error, createdAt: window.createdAt, answeredAt: window.camera.answeredAt, state: c.vision.state, streamId: c.vision.getStreamId() };
  }, { key: KEY });
  assert.deepEqual(refused.error, { name: "MediaError", media: true, cause: "NotAllowedError" }, JSON.stringify(refused));
  assert.equal(refused.state, "failed");
  assert.ok(refused.createdAt < refused.answeredAt, `the stream was created during the prompt: ${JSON.stringify(refused)}`);
  const report = await endedReport(emulator, refused.streamId);
  assert.equal(report.end_reason, "client_requested");
  assert.equal((await emulator.streams()).open.length, 0);
});
