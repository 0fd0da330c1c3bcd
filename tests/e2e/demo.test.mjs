// The demo page (www/) served by the emulator with the npm-packed package, driven the
// way a person would: keyboard and clicks, the fake camera playing solid red.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OUT, ROOT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor } from "./harness.mjs";
import { pixelStats, trackedPage, waitForOpenStreams } from "./demo-helpers.mjs";

let emulator, browser;

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ ttl: 2, www: join(ROOT, "www"), pkg: pkgDir });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  mkdirSync(OUT, { recursive: true });
});

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

async function openDemo(viewport = { width: 1280, height: 900 }) {
  const tracked = await trackedPage(browser, { viewport });
  await tracked.page.goto(emulator.url + "/");
  await tracked.page.waitForSelector("html[data-ready=true]");
  return tracked;
}

const text = (page, selector) => page.locator(selector).first().innerText();
const feedItems = (page) => page.$$eval("#feed > li", (items) => items.map((li) => ({
  ok: li.dataset.ok,
  tag: li.querySelector(".tag").textContent,
  text: li.querySelector(".result-text")?.textContent ?? null,
  json: li.querySelector(".result-json")?.textContent ?? null,
  prompt: li.querySelector(".result-prompt").textContent,
})));

test("loads the packed package, fills the model list, labels every control", async () => {
  const { page, errors } = await openDemo();
  await waitFor(() => page.$eval("#model", (s) => s.options.length === 2), 5000, "the model list");
  const models = await page.$$eval("#model option", (options) => options.map((o) => o.value));
  assert.deepEqual(models, ["Qwen/Qwen3.5-9B", "emulator/mean-colour"]);
  assert.equal(await page.$eval("#model", (s) => s.value), "Qwen/Qwen3.5-9B");
  assert.equal(await text(page, "#target-badge"), "Local emulator");
  assert.equal(await text(page, "#state-text"), "Idle");

  const unlabelled = await page.$$eval("input, select, textarea, button", (controls) => controls
    .filter((c) => !(c.labels?.length || c.getAttribute("aria-label") || (c.tagName === "BUTTON" && c.textContent.trim())))
    .map((c) => c.id || c.outerHTML));
  assert.deepEqual(unlabelled, [], "controls without an accessible name");
  assert.equal(await page.$eval("#boot-error", (e) => e.hidden), true);
  assert.deepEqual(errors, []);
  await page.close();
});

test("streams the camera: red results newest first, live prompt, stats, chart, stop cleans up", async () => {
  const { page, errors } = await openDemo();
  // Keyboard only: focus Start and press Enter.
  await page.focus("#start");
  await page.keyboard.press("Enter");
  await waitFor(async () => (await text(page, "#state-text")) === "Streaming", 15000, "state Streaming");
  assert.equal(await page.$eval("#stop", (b) => b.disabled), false);
  assert.equal(await page.$eval("#restart-settings", (f) => f.disabled), true, "settings locked while streaming");

  await waitFor(async () => (await feedItems(page)).length >= 2, 15000, "two results in the feed");
  const [first] = await feedItems(page);
  assert.equal(first.ok, "true");
  assert.equal(first.tag, "OK");
  assert.match(first.text, /^red: mean RGB \(\d+, \d+, \d+\) over \d+ frames at 640x480$/);
  assert.equal(first.prompt, "“What colour is the picture?”");

  // The preview shows the camera the package opened.
  const preview = await page.$eval("#preview", (v) => ({
    width: v.videoWidth, live: v.srcObject?.getVideoTracks()[0]?.readyState,
  }));
  assert.deepEqual(preview, { width: 640, live: "live" });
  await page.evaluate(() => { window.sentStream = document.getElementById("preview").srcObject; });

  // Live figures from getStats(), polled every second.
  await waitFor(async () => /bit\/s$/.test(await text(page, "#stat-bitrate")), 5000, "a bitrate");
  assert.ok(Number(await text(page, "#stat-fps")) > 5, "frames per second");
  assert.match(await text(page, "#stat-path"), /\((host|prflx)\)$/);
  assert.equal(await text(page, "#stat-size"), "640×480");
  assert.match(await text(page, "#stat-stream"), /^emu-/);
  const bars = await page.$$eval("#latency-chart rect.bar", (r) => r.length);
  assert.ok(bars >= 2, `chart bars: ${bars}`);
  assert.match(await text(page, "#chart-summary"), /^Last \d+: median \d+ ms/);

  // Edit the prompt while streaming and apply it with Ctrl+Enter.
  const newPrompt = "Name the colour in one word";
  await page.fill("#prompt", newPrompt);
  assert.match(await text(page, "#prompt-hint"), /Edited/);
  await page.focus("#prompt");
  await page.keyboard.press("Control+Enter");
  await waitFor(async () => (await feedItems(page))[0].prompt === `“${newPrompt}”`, 10000, "a result with the new prompt");
  const feed = await feedItems(page);
  assert.match(feed[0].text, /^red/);
  assert.equal(feed.at(-1).prompt, "“What colour is the picture?”", "oldest result last");
  assert.match(await text(page, "#prompt-hint"), /uses this prompt/);

  // A screenshot for reviewers, checked to show the page and the red preview.
  const png = await page.screenshot({ fullPage: true });
  writeFileSync(join(OUT, "demo-desktop.png"), png);
  const pixels = await pixelStats(browser, png);
  assert.ok(pixels.width === 1280 && pixels.height >= 900, JSON.stringify(pixels));
  assert.ok(pixels.distinctColours > 100, `distinct colours: ${pixels.distinctColours}`);
  assert.ok(pixels.lumaStdDev > 20, `luma spread: ${pixels.lumaStdDev}`);
  assert.ok(pixels.redShare > 0.03, `share of red pixels (the preview): ${pixels.redShare}`);

  const streamId = await text(page, "#stat-stream");
  await page.click("#stop");
  await waitFor(async () => (await text(page, "#state-text")) === "Stopped", 5000, "state Stopped");
  const report = await waitForOpenStreams(emulator, 0);
  assert.equal(report.ended.find((s) => s.stream_id === streamId)?.end_reason, "client_requested");
  const afterStop = await page.evaluate(() => ({
    tracks: window.sentStream.getTracks().map((t) => t.readyState),
    preview: document.getElementById("preview").srcObject,
    start: document.getElementById("start").disabled,
    locked: document.getElementById("restart-settings").disabled,
  }));
  assert.deepEqual(afterStop, { tracks: ["ended"], preview: null, start: false, locked: false });
  assert.deepEqual(errors, [], "no console errors");
  await page.close();
});

test("structured output in frame mode is pretty-printed JSON", async () => {
  const { page, errors } = await openDemo();
  await page.check('input[name="mode"][value="frame"]');
  assert.equal(await page.isVisible("#interval"), true);
  assert.equal(await page.isVisible("#target-fps"), false);
  await page.check("#structured");
  await page.click("#start");
  await waitFor(() => page.$("#feed .result-json"), 15000, "a structured result");
  const [item] = await feedItems(page);
  const value = JSON.parse(item.json);
  // The demo's default schema: {colour (required), confidence}.
  assert.deepEqual(Object.keys(value).sort(), ["colour", "confidence"]);
  assert.equal(value.colour, "red");
  assert.equal(typeof value.confidence, "number");
  assert.match(item.json, /\n {2}"colour": "red"/, "indented");
  await page.click("#stop");
  await waitForOpenStreams(emulator, 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("phone width: one column, no sideways scrolling, Start reachable with Tab", async () => {
  const { page, errors } = await openDemo({ width: 390, height: 844 });
  const layout = await page.evaluate(() => {
    const box = (id) => document.querySelector(id).getBoundingClientRect();
    return {
      scrollWidth: document.documentElement.scrollWidth,
      width: innerWidth,
      stacked: box(".area-settings").top > box(".area-source").bottom
        && box(".area-live").top > box(".area-settings").bottom,
    };
  });
  assert.ok(layout.scrollWidth <= layout.width, JSON.stringify(layout));
  assert.equal(layout.stacked, true, "cards stacked in one column");

  let reached = false;
  for (let i = 0; i < 15 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.id === "start");
  }
  assert.ok(reached, "Tab reaches Start within 15 presses");
  const outline = await page.$eval("#start", (b) => getComputedStyle(b).outlineStyle);
  assert.notEqual(outline, "none", "the focused button shows a focus ring");

  const png = await page.screenshot({ fullPage: true });
  writeFileSync(join(OUT, "demo-phone.png"), png);
  const pixels = await pixelStats(browser, png);
  assert.equal(pixels.width, 390);
  assert.ok(pixels.distinctColours > 50 && pixels.lumaStdDev > 20, JSON.stringify(pixels));
  assert.deepEqual(errors, []);
  await page.close();
});
