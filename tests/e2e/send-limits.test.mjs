// What the encoder is told to send from a 1920×1080 camera: by default the picture
// is scaled to fit 1280×720 from the first frame (`scaleResolutionDownBy` 1.5 in the
// sender's encodings), `video` caps move that box, and `video: false` leaves the
// sender alone. The emulator reports the size it really decoded in each result.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, solidY4m, packedPackage, startEmulator, launchChromium } from "./harness.mjs";

let emulator, browser, page;

/** Init script: keeps every RTCPeerConnection the page makes. */
function keepPeerConnections() {
  const Native = window.RTCPeerConnection;
  window.peerConnections = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      window.peerConnections.push(this);
    }
  };
}

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ www: join(ROOT, "tests/e2e/www"), pkg: pkgDir });
  browser = await launchChromium(solidY4m([230, 20, 20], { width: 1920, height: 1080, frames: 10 }));
  page = await browser.newPage();
  await page.addInitScript(keepPeerConnections);
  await page.goto(emulator.url + "/");
  await page.waitForFunction(() => window.sdkReady === true);
}, { timeout: 120000 });

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

/** Streams the camera with `extra` config until `count` results; resolves with the
 * decoded sizes and the video sender's first encoding. */
async function stream(extra, count = 3) {
  const outcome = await page.evaluate(async ({ extra, count }) => {
    const session = window.recordSession(extra);
    await session.vision.start();
    await session.untilResults(count, 20000);
    const settings = session.vision.getMediaStream().getVideoTracks()[0].getSettings();
    const sender = window.peerConnections.at(-1).getSenders().find((s) => s.track?.kind === "video");
    const { encodings } = sender.getParameters();
    await session.vision.stop();
    return { results: session.results.map((r) => r.result), camera: [settings.width, settings.height], encoding: encodings[0] ?? null };
  }, { extra, count });
  assert.deepEqual(outcome.camera, [1920, 1080], "the fake camera is 1080p");
  assert.ok(outcome.results.length >= count, `results: ${JSON.stringify(outcome.results)}`);
  const sizes = outcome.results.map((r) => {
    assert.match(r, /^red: /, r);
    const [, w, h] = / at (\d+)x(\d+)$/.exec(r) ?? [];
    return [Number(w), Number(h)];
  });
  return { sizes, encoding: outcome.encoding };
}

test("by default the sender scales a 1080p camera by 1.5 (to 1280×720) and caps its bitrate", async () => {
  const { sizes, encoding } = await stream({});
  assert.equal(encoding.scaleResolutionDownBy, 1.5, JSON.stringify(encoding));
  assert.ok(encoding.maxBitrate > 0, JSON.stringify(encoding));
  for (const [w, h] of sizes) assert.ok(w > 0 && w <= 1280 && h <= 720, `sizes: ${JSON.stringify(sizes)}`);
});

// Chromium itself starts a 1080p camera at 480×270 while its bandwidth estimate is
// low, so only a box smaller than that shows the scaling in the decoded frames.
test("video caps set the box every decoded frame fits, from the first result on", async () => {
  const { sizes, encoding } = await stream({ video: { maxLongSide: 320, maxShortSide: 180 } });
  assert.equal(encoding.scaleResolutionDownBy, 6, JSON.stringify(encoding));
  for (const [w, h] of sizes) assert.ok(w > 0 && w <= 320 && h <= 180, `sizes: ${JSON.stringify(sizes)}`);
});

test("video: false leaves the sender unscaled and uncapped", async () => {
  const { encoding } = await stream({ video: false }, 1);
  assert.ok(!encoding?.scaleResolutionDownBy || encoding.scaleResolutionDownBy === 1, JSON.stringify(encoding));
  assert.equal(encoding?.maxBitrate, undefined, JSON.stringify(encoding));
});
