// The demo's error handling: the package's own validation messages next to the
// field they name, and one banner per error class (bad key, out of credits, camera
// or screen permission denied, lease expired), each leaving nothing open.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor } from "./harness.mjs";
import { liveTracks, recordOpenedTracks, trackedPage, waitForOpenStreams } from "./demo-helpers.mjs";

let emulator, browser;

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({
    ttl: 2, www: join(ROOT, "www"), pkg: pkgDir, extraArgs: ["--no-credits-key", "broke-key"],
  });
  browser = await launchChromium(solidY4m([230, 20, 20]));
});

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

/** Opens the demo; `initScript` runs before the page's own scripts. */
async function openDemo(initScript) {
  const tracked = await trackedPage(browser, { viewport: { width: 1280, height: 900 } });
  // Every camera track handed out, to check that none is left live.
  await tracked.page.addInitScript(recordOpenedTracks);
  if (initScript) await tracked.page.addInitScript(initScript);
  await tracked.page.goto(emulator.url + "/");
  await tracked.page.waitForSelector("html[data-ready=true]");
  return tracked;
}

const fieldError = (page, id) => page.$eval(`#${id}-error`, (p) => (p.hidden ? null : p.textContent));
const invalid = (page, id) => page.$eval(`#${id}`, (e) => e.getAttribute("aria-invalid") === "true");
const banner = (page, name) => page.$(`#banners .banner[data-error="${name}"]`);
const bannerText = (page, name) => page.$eval(`#banners .banner[data-error="${name}"]`, (b) => b.innerText);

test("settings show the package's validation messages on the field they name", async () => {
  const { page, errors } = await openDemo();
  await page.fill("#target-fps", "31");
  assert.equal(await fieldError(page, "target-fps"), "processing.target_fps must be between 1 and 30 (got 31)");
  assert.equal(await invalid(page, "target-fps"), true);

  // Start with invalid settings: focus goes to the field, nothing is opened.
  await page.click("#start");
  assert.equal(await page.evaluate(() => document.activeElement.id), "target-fps");
  assert.equal(await page.innerText("#state-text"), "Idle");
  assert.equal(await page.evaluate(() => window.openedTracks.length), 0);

  await page.fill("#target-fps", "2");
  await page.fill("#clip-length", "1");
  assert.match(await fieldError(page, "target-fps"), /at least 3 frames per clip/);
  await page.fill("#target-fps", "6");
  assert.equal(await fieldError(page, "target-fps"), null);
  assert.equal(await invalid(page, "target-fps"), false);

  await page.check('input[name="mode"][value="frame"]');
  await page.fill("#interval", "0.2");
  await page.fill("#max-tokens", "100");
  assert.equal(await fieldError(page, "max-tokens"),
    "maxOutputTokens must be at most 128 per second of interval_seconds (0.2 s allows 25, got 100)");
  await page.fill("#max-tokens", "");
  await page.fill("#interval", "0.05");
  assert.equal(await fieldError(page, "interval"), "processing.interval_seconds must be between 0.1 and 60 (got 0.05)");
  await page.fill("#interval", "0.5");

  await page.fill("#prompt", "");
  assert.equal(await fieldError(page, "prompt"), "prompt is required and must be a non-empty string");
  await page.fill("#prompt", "What colour?");

  await page.check("#structured");
  await page.fill("#schema", "{ not json");
  assert.match(await fieldError(page, "schema"), /^The output schema is not valid JSON/);
  await page.fill("#schema", '"just a string"');
  assert.equal(await fieldError(page, "schema"), "outputSchema must be an object (got string)");
  await page.uncheck("#structured");

  // A bad URL, then the Connection section closed: Start reopens it at the field.
  await page.click("#connection summary");
  await page.fill("#api-url", "not a url");
  assert.equal(await fieldError(page, "api-url"), "apiUrl must be an absolute http(s) URL");
  await page.click("#connection summary");
  assert.equal(await page.$eval("#connection", (d) => d.open), false);
  await page.click("#start");
  assert.equal(await page.$eval("#connection", (d) => d.open), true, "the Connection section opens to show it");
  assert.equal(await page.evaluate(() => document.activeElement.id), "api-url");
  await page.fill("#api-url", "");
  assert.equal(await page.$$eval(".field-error:not([hidden])", (e) => e.length), 0, "all fixed");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a rejected key: banner from the model list and from Start, camera closed again", async () => {
  const { page } = await openDemo();
  await page.click("#connection summary");
  await page.fill("#api-url", emulator.url);
  await page.fill("#api-key", "wrong-key");
  assert.equal(await page.innerText("#target-badge"), new URL(emulator.url).host, "a typed key leaves the emulator default");
  await page.press("#api-key", "Tab"); // change event: reload the model list with this key
  await waitFor(() => banner(page, "UnauthorizedError"), 5000, "the UnauthorizedError banner");
  assert.match(await bannerText(page, "UnauthorizedError"), /^API key rejected/);

  await page.click(`#banners .banner[data-error="UnauthorizedError"] .dismiss`);
  assert.equal(await banner(page, "UnauthorizedError"), null, "dismissed");
  await page.click("#start");
  await waitFor(() => banner(page, "UnauthorizedError"), 10000, "the banner after Start");
  assert.match(await bannerText(page, "UnauthorizedError"), /UnauthorizedError: .*\(request req-/);
  assert.ok(!(await bannerText(page, "UnauthorizedError")).includes("wrong-key"), "the key is never shown");
  assert.equal(await page.innerText("#state-text"), "Failed");
  assert.equal(await page.$eval("#start", (b) => b.disabled), false, "Start again is possible");
  assert.equal(await liveTracks(page), 0, "the camera was closed");
  assert.equal((await emulator.streams()).open.length, 0);
  await page.close();
});

test("out of credits: InsufficientCreditsError banner", async () => {
  const { page } = await openDemo();
  await page.click("#connection summary");
  await page.fill("#api-url", emulator.url);
  await page.fill("#api-key", "broke-key");
  await page.click("#start");
  await waitFor(() => banner(page, "InsufficientCreditsError"), 10000, "the InsufficientCreditsError banner");
  assert.match(await bannerText(page, "InsufficientCreditsError"), /^Out of credits\n/);
  assert.equal(await liveTracks(page), 0);
  await page.close();
});

test("camera permission denied: MediaError banner that says so", async () => {
  const { page, errors } = await openDemo(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
  });
  await page.click("#start");
  await waitFor(() => banner(page, "MediaError"), 10000, "the MediaError banner");
  const text = await bannerText(page, "MediaError");
  assert.match(text, /^Permission denied\n/);
  assert.match(text, /Allow camera or screen access/);
  assert.equal(await page.innerText("#state-text"), "Failed");
  // The page's own Preview button reports the same way.
  await page.click("#camera-preview");
  await waitFor(async () => /Opening the camera failed/.test(await bannerText(page, "MediaError")), 3000, "the preview's banner");
  assert.deepEqual(errors, []);
  await page.close();
});

test("screen sharing denied: the package's MediaError gets the permission banner", async () => {
  const { page, errors } = await openDemo(() => {
    navigator.mediaDevices.getDisplayMedia = () => Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
  });
  await page.check('input[name="source-kind"][value="screen"]');
  await page.click("#start");
  await waitFor(() => banner(page, "MediaError"), 10000, "the MediaError banner");
  const text = await bannerText(page, "MediaError");
  assert.match(text, /^Permission denied\n/);
  assert.match(text, /screen sharing was not allowed/);
  assert.equal(await page.innerText("#state-text"), "Failed");
  assert.equal((await emulator.streams()).open.length, 0);
  assert.equal(await liveTracks(page), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("lease expired (keepalives held back): StreamEndedError banner, Start available again", async () => {
  const { page } = await openDemo();
  // Hold every keepalive so the emulator's 2 s lease runs out.
  const held = [];
  await page.route("**/keepalive", (route) => { held.push(route); });
  await page.click("#start");
  await waitFor(() => banner(page, "StreamEndedError"), 15000, "the StreamEndedError banner");
  assert.match(await bannerText(page, "StreamEndedError"), /^Stream expired\n.*lease_expired/s);
  await waitFor(async () => (await page.innerText("#state-text")) === "Failed", 5000, "state Failed");
  assert.equal(await page.$eval("#start", (b) => b.disabled), false);
  assert.equal(await page.$eval("#stop", (b) => b.disabled), true);
  await waitForOpenStreams(emulator, 0);
  assert.equal((await emulator.streams()).ended.at(-1).end_reason, "lease_expired");
  assert.ok(held.length >= 1, "a keepalive was sent and held");
  await waitFor(async () => (await liveTracks(page)) === 0, 5000, "the camera closed");
  await page.close();
});

test("a failed result (ok: false) is marked in the feed and the chart; the stream goes on", async () => {
  const { page, errors } = await openDemo();
  // Proxy the results socket: the second result arrives as a failure, the third cut short.
  await page.routeWebSocket("**/ws/streams/**", (socket) => {
    const server = socket.connectToServer();
    let results = 0;
    server.onMessage((message) => {
      const value = JSON.parse(message);
      results += 1;
      if (results === 2) Object.assign(value, { ok: false, result: "", error: "model overloaded", finish_reason: null });
      if (results === 3) value.finish_reason = "length";
      socket.send(JSON.stringify(value));
    });
    socket.onMessage((message) => server.send(message));
  });
  await page.click("#start");
  await waitFor(() => page.$$eval("#feed > li", (items) => items.length >= 4), 15000, "four results");
  const feed = await page.$$eval("#feed > li", (items) => items.reverse().map((li) => ({
    ok: li.dataset.ok,
    tags: [...li.querySelectorAll(".tag")].map((t) => t.textContent),
    text: li.querySelector(".result-text").textContent,
  })));
  assert.deepEqual(feed[1], { ok: "false", tags: ["Failed"], text: "model overloaded" });
  assert.deepEqual(feed[2].tags, ["OK", "Cut short"]);
  assert.equal(feed[3].ok, "true", "results go on after a failed one");
  assert.equal(await page.$$eval("#latency-chart rect.bar.failed", (bars) => bars.length), 1);
  assert.equal(await page.$("#banners .banner"), null, "a failed result is not a stream error");
  await page.click("#stop");
  await waitForOpenStreams(emulator, 0);
  assert.deepEqual(errors, []);
  await page.close();
});
