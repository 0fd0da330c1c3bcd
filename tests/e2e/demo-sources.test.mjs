// The demo's other sources, all opened by the package: a screen ({type: "screen"},
// Chromium's fake display, auto-selected by --use-fake-ui-for-media-stream), a video
// file chosen in the file input ({type: "video", file}), a video URL ({type: "video",
// url}) and an HLS playlist ({type: "hls", url}), recorded in the browser with
// MediaRecorder and served through Playwright routes. Each run checks what the
// emulator decoded, what the preview shows (the package's canvas), and that Stop or a
// failure leaves nothing: no live track, no hidden <video>, no object URL, no open stream.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OUT, ROOT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor, afterFailedStart } from "./harness.mjs";
import { NOTHING_LEFT, leftovers, pixelStats, recordOpenedTracks, trackedPage, waitForOpenStreams } from "./demo-helpers.mjs";
import { recordClip, splitFragmentedMp4, hlsPlaylist, serveFiles } from "./media-fixtures.mjs";

const CLIP_SECONDS = 2;
let emulator, browser, media;

before(async () => {
  const { pkgDir } = packedPackage();
  // A 10 s lease: keepalives still run, and a loaded 2-core machine cannot miss one.
  emulator = await startEmulator({ ttl: 10, www: join(ROOT, "www"), pkg: pkgDir });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  mkdirSync(OUT, { recursive: true });
  const page = await browser.newPage();
  try {
    const webm = await recordClip(page, { rgb: [20, 200, 20], width: 640, height: 360, seconds: CLIP_SECONDS, mimeType: "video/webm;codecs=vp8" });
    const mp4 = await recordClip(page, { rgb: [20, 40, 220], width: 480, height: 270, seconds: CLIP_SECONDS, mimeType: "video/mp4;codecs=avc1" });
    const { init, media: segment } = splitFragmentedMp4(mp4);
    media = {
      webm,
      files: {
        "green.webm": { body: webm, type: "video/webm" },
        "blue/index.m3u8": { body: hlsPlaylist(CLIP_SECONDS), type: "application/vnd.apple.mpegurl" },
        "blue/init.mp4": { body: init, type: "video/mp4" },
        "blue/seg0.m4s": { body: segment, type: "video/iso.segment" },
      },
    };
  } finally {
    }
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

/** The demo with every opened track and object URL recorded, and /media/ served. */
async function openDemo(t) {
  await waitForOpenStreams(emulator, 0, 20000); // an earlier failed test's page closed, or its lease ran out
  const tracked = await trackedPage(browser, { viewport: { width: 1280, height: 900 } });
  // Closed even when the test fails, so no stream of it is left open for the next test.
  t.after(() => tracked.page.close());
  await tracked.page.addInitScript(recordOpenedTracks);
  await serveFiles(tracked.page, "/media/", media.files);
  await tracked.page.goto(emulator.url + "/");
  await tracked.page.waitForSelector("html[data-ready=true]");
  return tracked;
}

const state = (page) => page.innerText("#state-text");
const newestResult = (page) => page.$eval("#feed > li:first-child .result-text", (p) => p.textContent).catch(() => null);
const banner = (page, name) => page.$(`#banners .banner[data-error="${name}"]`);
const bannerText = (page, name) => page.$eval(`#banners .banner[data-error="${name}"]`, (b) => b.innerText.replace(/\n+/g, "\n"));

/** Waits for a result matching `pattern`; returns it. */
async function resultMatching(page, pattern, what) {
  return waitFor(async () => {
    const text = await newestResult(page);
    return pattern.test(text ?? "") ? text : null;
  }, 30000, what);
}

/** What the preview <video> shows: the package's stream, drawn from its canvas. */
const previewShows = (page) => page.$eval("#preview", (v) => {
  const track = v.srcObject?.getVideoTracks()[0];
  return { fromCanvas: Boolean(track?.canvas), live: track?.readyState, width: v.videoWidth, height: v.videoHeight };
});

/** Presses Stop and checks that nothing is left in the page or at the emulator. */
async function stopAndCheckClean(page) {
  const stoppable = await page.$eval("#stop", (b) => !b.disabled);
  const banners = await page.innerText("#banners");
  assert.ok(stoppable, `Stop is enabled (state ${await state(page)}; banners: ${banners || "none"})`);
  await page.click("#stop");
  await waitFor(async () => (await state(page)) === "Stopped", 10000, "state Stopped");
  await waitForOpenStreams(emulator, 0);
  await assertClean(page);
}

async function assertClean(page) {
  await waitFor(async () => (await leftovers(page)).liveTracks === 0, 5000, "every track ended");
  assert.deepEqual(await leftovers(page), NOTHING_LEFT);
  assert.equal(await page.$eval("#preview", (v) => v.srcObject), null, "the preview is blank");
  assert.equal(await page.isVisible("#preview-placeholder"), true);
  assert.equal((await emulator.streams()).open.length, 0);
}

/** Saves a screenshot and checks that it is not blank. */
async function screenshot(page, name) {
  await waitFor(async () => (await page.innerText("#stat-size")) !== "–", 10000, "the stats panel filled in");
  const png = await page.screenshot({ fullPage: true });
  writeFileSync(join(OUT, name), png);
  const pixels = await pixelStats(browser, png);
  assert.ok(pixels.width === 1280 && pixels.distinctColours > 50 && pixels.lumaStdDev > 20, JSON.stringify(pixels));
  return pixels;
}

test("screen: Start shares it through the package, the preview shows the package's canvas, Stop releases it", { timeout: 90_000 }, async (t) => {
  const { page, errors } = await openDemo(t);
  await page.check('input[name="source-kind"][value="screen"]');
  assert.match(await page.innerText("#screen-panel"), /Start asks which screen/);
  assert.match(await page.innerText("#preview-placeholder"), /Press Start, then choose a screen/);
  assert.equal(await page.evaluate(() => window.openedTracks.length), 0, "nothing is shared before Start");

  await page.click("#start");
  const result = await resultMatching(page, / over \d+ frames at \d+x\d+$/, "a result about the screen");
  const [width, height] = / at (\d+)x(\d+)$/.exec(result).slice(1).map(Number);
  assert.ok(width <= 1280 && height <= 720 && width > 0, `capped to 1280×720: ${result}`);
  const preview = await previewShows(page);
  assert.deepEqual(preview, { fromCanvas: true, live: "live", width, height }, "the preview shows what the model sees");
  assert.equal(await page.isVisible("#preview-placeholder"), false);
  assert.equal(await page.$eval("#source-controls", (f) => f.disabled), true, "source locked while streaming");
  await screenshot(page, "demo-screen.png");

  await stopAndCheckClean(page);
  assert.deepEqual(errors, []);
});

test("screen: the browser's Stop sharing ends the stream with a SourceEndedError notice", { timeout: 90_000 }, async (t) => {
  const { page, errors } = await openDemo(t);
  await page.check('input[name="source-kind"][value="screen"]');
  await page.click("#start");
  await waitFor(async () => (await state(page)) === "Streaming", 30000, "state Streaming");
  // What the browser does when the user presses "Stop sharing".
  await page.evaluate(() => {
    const display = window.openedTracks.find((t) => !t.canvas && t.kind === "video");
    display.stop();
    display.dispatchEvent(new Event("ended"));
  });
  await waitFor(() => banner(page, "SourceEndedError"), 10000, "the SourceEndedError banner");
  const text = await bannerText(page, "SourceEndedError");
  assert.match(text, /^Screen sharing stopped\nSourceEndedError: .*screen sharing was stopped\nThe stream ended with it\. Press Start to share again\./);
  assert.deepEqual(await page.$eval('#banners .banner[data-error="SourceEndedError"]', (b) => [b.className, b.getAttribute("role")]),
    ["banner info", "status"], "a notice, not an alert");
  await waitFor(async () => (await state(page)) === "Stopped", 10000, "state Stopped (the user ended it: not a failure)");
  assert.equal(await page.$eval("#start", (b) => b.disabled), false);
  await waitForOpenStreams(emulator, 0);
  await assertClean(page);
  assert.deepEqual(errors, []);
});

test("video file chosen in the file input: streamed by the package, decoded green at the emulator", { timeout: 90_000 }, async (t) => {
  const { page, errors } = await openDemo(t);
  await page.check('input[name="source-kind"][value="file"]');
  assert.equal(await page.isVisible("#file-input"), true);
  assert.equal(await page.isVisible("#camera-device"), false);

  // Start with no file chosen: a message under the input, which gets the focus; nothing opened.
  await page.click("#start");
  await waitFor(() => page.isVisible("#file-input-error"), 3000, "the missing-file message");
  assert.equal(await page.innerText("#file-input-error"), "Choose a video file first.");
  assert.equal(await page.evaluate(() => document.activeElement.id), "file-input");
  assert.equal(await state(page), "Idle");
  assert.equal((await emulator.streams()).open.length, 0);

  await page.setInputFiles("#file-input", { name: "green.webm", mimeType: "video/webm", buffer: media.webm });
  assert.match(await page.innerText("#preview-placeholder"), /^green\.webm \(\d+ kB\): press Start/);
  await page.click("#start");
  assert.equal(await page.isVisible("#file-input-error"), false, "the message is gone");
  await resultMatching(page, /^green: mean RGB \(\d+, \d+, \d+\) over \d+ frames at 640x360$/, "a green result at 640x360");
  assert.deepEqual(await previewShows(page), { fromCanvas: true, live: "live", width: 640, height: 360 });
  const pixels = await screenshot(page, "demo-file.png");
  assert.ok(pixels.greenShare > 0.03, `share of green pixels (the preview): ${pixels.greenShare}`);

  await stopAndCheckClean(page);
  // The file stays chosen: Start streams it again.
  await page.click("#start");
  await resultMatching(page, /^green: /, "a green result after a restart");
  await stopAndCheckClean(page);
  assert.deepEqual(errors, []);
});

test("video URL and HLS playlist: a .webm URL plays as video, a .m3u8 URL as HLS", { timeout: 120_000 }, async (t) => {
  const { page, errors } = await openDemo(t);
  await page.check('input[name="source-kind"][value="url"]');
  await page.click("#start");
  await waitFor(() => page.isVisible("#video-url-error"), 3000, "the missing-URL message");
  assert.match(await page.innerText("#video-url-error"), /^Enter the address/);

  await page.fill("#video-url", `${emulator.url}/media/green.webm`);
  assert.match(await page.innerText("#preview-placeholder"), /stream the video/);
  await page.click("#start");
  await resultMatching(page, /^green: .* at 640x360$/, "a green result at 640x360");
  assert.deepEqual(await previewShows(page), { fromCanvas: true, live: "live", width: 640, height: 360 });
  await stopAndCheckClean(page);

  await page.fill("#video-url", `${emulator.url}/media/blue/index.m3u8?session=1`);
  assert.match(await page.innerText("#preview-placeholder"), /stream the HLS playlist/);
  await page.click("#start");
  await resultMatching(page, /^blue: .* at 480x270$/, "a blue result at 480x270 (Chromium's native HLS)");
  await stopAndCheckClean(page);

  // Without native HLS (Firefox, older Chromium) and no hls.js on the page, the .m3u8
  // is refused up front; a {type: "video"} source would have tried to play it.
  await page.evaluate(() => {
    const canPlayType = HTMLMediaElement.prototype.canPlayType;
    HTMLMediaElement.prototype.canPlayType = function (type) {
      return /mpegurl/i.test(type) ? "" : canPlayType.call(this, type);
    };
  });
  const mark = await emulator.streams();
  await page.click("#start");
  await waitFor(() => banner(page, "SourceUnsupportedError"), 10000, "the SourceUnsupportedError banner");
  assert.match(await bannerText(page, "SourceUnsupportedError"), /^HLS is not supported here\nSourceUnsupportedError: .*hls\.js/);
  await waitFor(async () => (await state(page)) === "Failed", 5000, "state Failed");
  // A stream created while the source loaded (start-up overlap) was deleted by the package.
  const server = await afterFailedStart(emulator, mark);
  assert.equal(server.open, 0);
  assert.ok(server.ended.every((reason) => reason === "client_requested"), JSON.stringify(server));
  await assertClean(page);
  assert.deepEqual(errors, []);
});

test("a video URL that fails to load: SourceLoadError banner, no stream left open, nothing left", { timeout: 90_000 }, async (t) => {
  const { page, errors } = await openDemo(t);
  await page.check('input[name="source-kind"][value="url"]');
  await page.fill("#video-url", `${emulator.url}/media/missing.webm`);
  const mark = await emulator.streams();
  await page.click("#start");
  await waitFor(() => banner(page, "SourceLoadError"), 20000, "the SourceLoadError banner");
  const text = await bannerText(page, "SourceLoadError");
  assert.match(text, /^The video could not be loaded\nSourceLoadError: .*could not be loaded/);
  assert.match(text, /missing \(404\)/);
  await waitFor(async () => (await state(page)) === "Failed", 5000, "state Failed");
  assert.equal(await page.$eval("#start", (b) => b.disabled), false, "Start is available again");
  // A stream created while the source loaded (start-up overlap) was deleted by the package.
  const server = await afterFailedStart(emulator, mark);
  assert.equal(server.open, 0);
  assert.ok(server.ended.every((reason) => reason === "client_requested"), JSON.stringify(server));
  await assertClean(page);
  // The browser reports the failed load itself; nothing else may go to the console.
  assert.deepEqual(errors.filter((e) => !/404/.test(e)), []);
});
