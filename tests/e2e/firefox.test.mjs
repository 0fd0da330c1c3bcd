// The same end-to-end flow in headless Firefox ESR (driven through geckodriver):
// Firefox sends VP8, which the emulator decodes; results must describe what Firefox's
// fake camera draws (green, at the track's own size).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { KEY, ROOT, packedPackage, startEmulator, waitFor } from "./harness.mjs";
import { firefoxMediaIp, launchFirefox } from "./webdriver.mjs";

let emulator, firefox;

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({
    ttl: 3, www: join(ROOT, "tests/e2e/www"), pkg: pkgDir,
    extraArgs: ["--media-ip", firefoxMediaIp()],
  });
  firefox = await launchFirefox();
  await firefox.goto(emulator.url + "/");
  await firefox.run(async () => {
    while (!window.sdkReady) await new Promise((r) => setTimeout(r, 50));
  });
});

after(async () => {
  await firefox?.quit();
  await emulator?.stop();
});

test(`Firefox: fake camera → VP8 decoded by the emulator → results, prompt update, clean stop`, async () => {
  const started = await firefox.run(async ({ key }) => {
    const c = window.recordSession({ apiKey: key });
    await c.vision.start();
    const settings = c.vision.getMediaStream().getVideoTracks()[0].getSettings();
    return { streamId: c.vision.getStreamId(), width: settings.width, height: settings.height };
  }, { key: KEY });

  const first = await waitFor(() => firefox.run(async () => window.current.results[0] ? { ...window.current.results[0] } : null), 20000, "a result in Firefox");
  // What Firefox actually encoded (it may scale the 640x480 camera down at first).
  const sent = await firefox.run(async () => window.current.vision.getStats());
  const m = /^(\w+): mean RGB \((\d+), (\d+), (\d+)\) over (\d+) frames at (\d+)x(\d+)$/.exec(first.result);
  assert.ok(m, first.result);
  const [, colour, r, g, b, , w, h] = m;
  // Firefox may send the 640x480 camera scaled down while its bandwidth estimate ramps
  // up: the decoded size must be the camera's picture at one of its encoder's scales.
  assert.equal(Number(w) * started.height, Number(h) * started.width, `aspect of ${w}x${h} vs camera ${started.width}x${started.height}`);
  assert.ok(Number(w) <= started.width && Number(w) >= started.width / 4, `${w}x${h}`);
  assert.ok(sent.frameWidth > 0 && sent.framesSent > 0, JSON.stringify(sent));
  assert.equal(colour, "green", `Firefox's fake camera starts green: ${first.result}`);
  assert.ok(Number(g) > 150 && Number(r) < 100 && Number(b) < 100, first.result);

  const report = await emulator.streams();
  assert.equal(report.open.find((s) => s.stream_id === started.streamId)?.codec, "VP8");

  await firefox.run(async () => window.current.vision.updatePrompt("Only the colour, please"));
  await waitFor(
    () => firefox.run(async () => window.current.results.some((r) => r.prompt === "Only the colour, please")),
    15000, "a result with the new prompt");

  const stopped = await firefox.run(async () => {
    const stream = window.current.vision.getMediaStream();
    await window.current.vision.stop();
    return { state: window.current.vision.state, tracks: stream.getTracks().map((t) => t.readyState), errors: window.current.errors };
  });
  assert.deepEqual(stopped, { state: "stopped", tracks: ["ended"], errors: [] });
  const ended = (await emulator.streams()).ended.find((s) => s.stream_id === started.streamId);
  assert.equal(ended?.end_reason, "client_requested", "stop() sent DELETE");
  assert.ok(ended.frames_decoded > 10, `frames decoded ${ended.frames_decoded}`);
});
