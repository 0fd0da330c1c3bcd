// The demo's other sources, passed to the package as {type: "stream", stream}: a
// shared screen (Chromium's fake capture) and a video file played through the preview
// <video> and captureStream() (a blue WebM recorded in the browser for the test).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor } from "./harness.mjs";
import { trackedPage, waitForOpenStreams } from "./demo-helpers.mjs";

let emulator, browser;

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ ttl: 2, www: join(ROOT, "www"), pkg: pkgDir });
  browser = await launchChromium(solidY4m([230, 20, 20]));
});

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

async function openDemo() {
  const tracked = await trackedPage(browser, { viewport: { width: 1280, height: 900 } });
  await tracked.page.goto(emulator.url + "/");
  await tracked.page.waitForSelector("html[data-ready=true]");
  return tracked;
}

const newestResult = (page) => page.$eval("#feed > li:first-child .result-text", (p) => p.textContent).catch(() => null);

/** Records `seconds` of a solid-colour canvas as WebM (VP8) in the browser. */
async function solidWebm(rgb, seconds = 1.5) {
  const page = await browser.newPage();
  try {
    const base64 = await page.evaluate(async ({ rgb, seconds }) => {
      const canvas = Object.assign(document.createElement("canvas"), { width: 320, height: 240 });
      const context = canvas.getContext("2d");
      const recorder = new MediaRecorder(canvas.captureStream(30), { mimeType: "video/webm;codecs=vp8" });
      const chunks = [];
      recorder.ondataavailable = (event) => chunks.push(event.data);
      const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
      recorder.start(100);
      const started = performance.now();
      await new Promise((resolve) => {
        const draw = () => {
          context.fillStyle = `rgb(${rgb.join(",")})`;
          context.fillRect(0, 0, canvas.width, canvas.height);
          if (performance.now() - started < seconds * 1000) requestAnimationFrame(draw);
          else resolve();
        };
        draw();
      });
      recorder.stop();
      await stopped;
      const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
      let binary = "";
      for (const byte of bytes) binary += String.fromCharCode(byte);
      return btoa(binary);
    }, { rgb, seconds });
    return Buffer.from(base64, "base64");
  } finally {
    await page.close();
  }
}

test("a video file plays in the preview and its picture is what the model sees", async () => {
  const webm = await solidWebm([30, 30, 220]);
  const { page, errors } = await openDemo();
  await page.check('input[name="source-kind"][value="file"]');
  assert.equal(await page.isVisible("#file-input"), true);
  assert.equal(await page.isVisible("#camera-device"), false);

  // Start with no file chosen: a message near Start, nothing opened.
  await page.click("#start");
  await waitFor(() => page.isVisible("#form-error"), 3000, "the missing-file message");
  assert.equal(await page.innerText("#form-error"), "Choose a video file first.");
  assert.equal((await emulator.streams()).open.length, 0);

  await page.setInputFiles("#file-input", { name: "blue.webm", mimeType: "video/webm", buffer: webm });
  await waitFor(() => page.$eval("#preview", (v) => v.videoWidth === 320 && !v.paused), 5000, "the file playing");
  assert.equal(await page.isVisible("#preview-placeholder"), false);

  await page.click("#start");
  await waitFor(async () => /^blue: .* at 320x240$/.test(await newestResult(page) ?? ""), 15000, "a blue result at 320x240");
  await page.click("#stop");
  await waitForOpenStreams(emulator, 0);
  // The file is the page's: it keeps playing for the next start.
  assert.equal(await page.$eval("#preview", (v) => !v.paused && Boolean(v.src)), true);
  await page.check('input[name="source-kind"][value="camera"]');
  assert.equal(await page.$eval("#preview", (v) => v.hasAttribute("src")), false, "switching away unloads the file");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a shared screen streams through the package, and switching source stops sharing", async () => {
  const { page, errors } = await openDemo();
  await page.check('input[name="source-kind"][value="screen"]');
  await page.click("#screen-choose");
  await waitFor(() => page.$eval("#preview", (v) => v.videoWidth > 0), 5000, "the screen preview");
  assert.match(await page.innerText("#screen-status"), /^Sharing: /);
  await page.evaluate(() => { window.shared = document.getElementById("preview").srcObject; });

  await page.click("#start");
  await waitFor(async () => / at \d+x\d+$/.test(await newestResult(page) ?? ""), 15000, "a result about the screen");
  const [, width, height] = / at (\d+)x(\d+)$/.exec(await newestResult(page));
  const size = await page.$eval("#preview", (v) => [v.videoWidth, v.videoHeight]);
  assert.deepEqual([Number(width), Number(height)], size, "the model saw the shared screen");

  await page.click("#stop");
  await waitForOpenStreams(emulator, 0);
  assert.equal(await page.evaluate(() => window.shared.getVideoTracks()[0].readyState), "live",
    "the page's screen stream outlives a stream, for the next start");
  await page.check('input[name="source-kind"][value="camera"]');
  assert.equal(await page.evaluate(() => window.shared.getVideoTracks()[0].readyState), "ended");
  assert.deepEqual(errors, []);
  await page.close();
});
