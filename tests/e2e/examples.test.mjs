// The usage examples in www/examples/: the plain <script type="module"> page, and the
// React hook useRealtimeVision under <StrictMode> (its double mount must leave exactly
// one stream and one camera running, and unmounting must leave none).
//
// React needs a bundler: the test bundles www/examples/react-app.jsx with esbuild
// (React's development build, where StrictMode double-mounts), leaving the package
// external; the page maps "overshoot-wasm" to /pkg/index.js with an import map.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { OUT, ROOT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor } from "./harness.mjs";
import { liveTracks, recordOpenedTracks, trackedPage, waitForOpenStreams } from "./demo-helpers.mjs";

let emulator, browser, reactBundle;

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ ttl: 2, www: join(ROOT, "www"), pkg: pkgDir });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  const bundled = await build({
    entryPoints: [join(ROOT, "www/examples/react-app.jsx")],
    bundle: true,
    format: "esm",
    jsx: "automatic",
    external: ["overshoot-wasm"],
    define: { "process.env.NODE_ENV": '"development"' },
    write: false,
    logLevel: "silent",
  });
  reactBundle = bundled.outputFiles[0].text;
  mkdirSync(join(OUT, "react-example"), { recursive: true });
  writeFileSync(join(OUT, "react-example", "react-app.bundle.js"), reactBundle);
});

after(async () => {
  await browser?.close();
  await emulator?.stop();
});


test("plain example: loads, streams the camera to the emulator, stops", async () => {
  const { page, errors } = await trackedPage(browser);
  await page.addInitScript(recordOpenedTracks);
  await page.goto(emulator.url + "/examples/plain.html");
  await page.click("#start");
  await waitFor(async () => /^red: /.test(await page.$eval("#latest", (o) => o.value)), 15000, "a red result");
  assert.equal(await page.innerText("#state"), "streaming");
  assert.equal(await page.$eval("#preview", (v) => v.videoWidth), 640);
  assert.equal((await emulator.streams()).open.length, 1);

  await page.click("#stop");
  await waitForOpenStreams(emulator, 0);
  await waitFor(async () => (await page.innerText("#state")) === "stopped", 5000, "state stopped");
  assert.equal(await liveTracks(page), 0, "camera closed");
  assert.equal(await page.$eval("#error", (p) => p.textContent), "");
  assert.deepEqual(errors, []);
  await page.close();
});

test("React hook under StrictMode: one stream while mounted, prompt updates, none after unmount", async () => {
  const { page, errors } = await trackedPage(browser);
  await page.addInitScript(recordOpenedTracks);
  await page.route("**/examples/react-app.bundle.js", (route) =>
    route.fulfill({ contentType: "text/javascript", body: reactBundle }));
  await page.goto(emulator.url + "/examples/react.html");
  await page.waitForSelector("#toggle");
  // Count start() and stop() calls on the package's class (the bundle shares this module).
  await page.evaluate(async () => {
    const { RealtimeVision } = await import("/pkg/index.js");
    window.calls = { start: 0, stop: 0 };
    for (const name of ["start", "stop"]) {
      const original = RealtimeVision.prototype[name];
      RealtimeVision.prototype[name] = function (...args) {
        window.calls[name] += 1;
        return original.apply(this, args);
      };
    }
  });

  await page.click("#toggle"); // mounts the camera panel: the hook starts a stream
  await waitFor(async () => /^red: /.test(await page.$eval("#results", (ol) => ol.firstElementChild?.textContent ?? "")),
    15000, "a red result in the React list");
  assert.equal(await page.innerText("#state"), "streaming");
  const calls = await page.evaluate(() => window.calls);
  assert.equal(calls.start, 2, "StrictMode mounted twice (two sessions started)");
  assert.ok(calls.stop >= 1, "the first mount's session was stopped");
  // Give the first session time to finish releasing, then count what is running.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const report = await emulator.streams();
  assert.equal(report.open.length, 1, `open streams: ${JSON.stringify(report.open)}`);
  assert.equal(report.open[0].stream_id, await page.innerText("#stream-id"));
  assert.equal(await liveTracks(page), 1, "exactly one camera track live");
  assert.equal(await page.$eval("video", (v) => v.videoWidth), 640, "the preview shows the hook's stream");

  await page.fill("#prompt", "Name the colour in one word");
  await page.press("#prompt", "Enter");
  await waitFor(async () => (await page.$eval("#results", (ol) => ol.firstElementChild?.textContent ?? ""))
    .includes("“Name the colour in one word”"), 10000, "a result with the new prompt");
  assert.equal((await emulator.streams()).open.length, 1, "a prompt change does not restart the stream");

  await page.click("#toggle"); // unmounts the panel
  await waitForOpenStreams(emulator, 0);
  await waitFor(async () => (await liveTracks(page)) === 0, 5000, "no camera track live");
  assert.equal(await page.$("#results"), null);
  assert.deepEqual(errors, []);
  await page.close();
});
