// The JS the package ships. What only some sessions need (sources.js: screen, video
// and HLS; livekit.js: the LiveKit transport) is loaded with import() when such a
// session starts: a camera page never requests either, each loads when needed, stop()
// while one is still loading leaves nothing behind, and one that cannot load is a typed
// error, never an unhandled rejection. Every file is minified (scripts/minify.mjs) and
// keeps what apps and bundlers rely on.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { build } from "esbuild";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor, afterFailedStart } from "./harness.mjs";

let emulator, browser, pkgDir;
const SOURCES = "**/pkg/snippets/*/js/sources.js";
const LIVEKIT = "**/pkg/snippets/*/js/livekit.js";

// Runs in the page before the package: records display tracks and unhandled rejections,
// and starts sessions.
function instrument() {
  window.displayTracks = [];
  window.unhandled = [];
  window.addEventListener("unhandledrejection", (e) => window.unhandled.push(String(e.reason?.message ?? e.reason)));
  const getDisplayMedia = navigator.mediaDevices.getDisplayMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getDisplayMedia = async (c) => {
    const stream = await getDisplayMedia(c);
    window.displayTracks.push(...stream.getTracks());
    return stream;
  };
  // `livekitClient` from node: "none" (no library) or "real" (livekit-client from npm).
  const clients = { none: () => null, real: () => import("/vendor/livekit-client.mjs") };
  // `transport: "livekit"` is in the full entry (`overshoot-wasm/full`, pkg/v1beta.js),
  // whose module its sessions are made with; the others use the main entry's.
  window.make = async (key, extra) => new (extra?.transport === "livekit" ? await import("/pkg/v1beta.js") : window.sdk).RealtimeVision({
    apiKey: key, apiUrl: location.origin, prompt: "p", onResult() {}, ...extra,
    ...(extra?.livekitClient ? { livekitClient: clients[extra.livekitClient] ?? extra.livekitClient } : {}),
  });
  // Starts a session on `extra`, stops it once streaming; resolves with the start error's name and message.
  window.startAndStop = async (key, extra) => {
    const vision = await window.make(key, extra);
    try {
      await vision.start();
    } catch (e) {
      return { name: e.name, message: e.message };
    }
    await vision.stop();
    return null;
  };
  window.leftovers = () => ({
    videos: document.querySelectorAll("video:not(#preview)").length,
    liveDisplayTracks: window.displayTracks.filter((t) => t.readyState === "live").length,
    unhandled: window.unhandled,
  });
}

const CLEAN = { videos: 0, liveDisplayTracks: 0, unhandled: [] };

/** A fresh page (its own module map) that records the package's JS it requests. */
async function freshPage() {
  const page = await browser.newPage();
  const requested = [];
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith("/pkg/") && path.endsWith(".js")) requested.push(basename(path));
  });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.addInitScript(instrument);
  await page.route("**/vendor/livekit-client.mjs", (route) => route.fulfill({
    body: readFileSync(join(ROOT, "node_modules/livekit-client/dist/livekit-client.esm.mjs")),
    contentType: "text/javascript",
  }));
  await page.goto(emulator.url + "/");
  await page.waitForFunction(() => window.sdkReady === true);
  return { page, requested, errors };
}

before(async () => {
  ({ pkgDir } = packedPackage());
  emulator = await startEmulator({ www: join(ROOT, "tests/e2e/www"), pkg: pkgDir });
  browser = await launchChromium(solidY4m([20, 20, 230]));
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

test("a camera session loads neither sources.js nor livekit.js; a screen session loads sources.js, the LiveKit transport livekit.js", { timeout: 60_000 }, async () => {
  const { page, requested, errors } = await freshPage();
  assert.equal(await page.evaluate((key) => window.startAndStop(key, {}), KEY), null);
  assert.deepEqual([...new Set(requested)].sort(), ["connection.js", "index.js", "manual-init.js", "overshoot_wasm.js", "runtime.js"]);

  assert.equal(await page.evaluate((key) => window.startAndStop(key, { source: { type: "screen", fps: 5 } }), KEY), null);
  assert.ok(requested.includes("sources.js"), requested.join());
  assert.ok(!requested.includes("livekit.js"), requested.join());

  // No livekit-client anywhere: livekit.js loads, then the missing library is the error.
  const missing = await page.evaluate((key) => window.startAndStop(key, { transport: "livekit", livekitClient: () => null }), KEY);
  assert.equal(missing?.name, "SourceUnsupportedError", JSON.stringify(missing));
  assert.match(missing.message, /livekit-client/);
  assert.ok(requested.includes("livekit.js"), requested.join());
  assert.deepEqual(await page.evaluate(() => window.leftovers()), CLEAN);
  assert.deepEqual(errors, []);
  assert.equal((await emulator.streams()).open.length, 0);
  await page.close();
});

test("stop() while sources.js is still loading: start() is an AbortError, no relay is built, the screen capture is stopped", { timeout: 60_000 }, async () => {
  const { page, errors } = await freshPage();
  let release;
  const held = new Promise((ok) => { release = ok; });
  let asked;
  const requestedModule = new Promise((ok) => { asked = ok; });
  await page.route(SOURCES, async (route) => {
    asked();
    await held;
    await route.continue();
  });
  await page.evaluate(async (key) => {
    window.vision = await window.make(key, { source: { type: "screen", fps: 5 } });
    window.starting = window.vision.start().then(() => "started", (e) => e.name);
  }, KEY);
  await requestedModule;
  // The screen was asked for before the module arrived (within the user's click).
  await waitFor(() => page.evaluate(() => window.displayTracks.length > 0), 10000, "the screen capture");
  const stopped = await page.evaluate(async () => {
    await window.vision.stop();
    return { outcome: await window.starting, state: window.vision.state };
  });
  assert.deepEqual(stopped, { outcome: "AbortError", state: "stopped" });
  await waitFor(() => page.evaluate(() => window.leftovers().liveDisplayTracks === 0), 5000, "the capture to stop");
  const arrived = page.waitForResponse((r) => r.url().endsWith("/sources.js"));
  release();
  await arrived;
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(await page.evaluate(() => window.leftovers()), CLEAN);
  assert.deepEqual(errors, []);
  assert.equal((await emulator.streams()).open.length, 0);
  await page.close();
});

test("sources.js or livekit.js that cannot load: SourceUnsupportedError, nothing left, no unhandled rejection", { timeout: 60_000 }, async () => {
  const { page, errors } = await freshPage();
  await page.route(SOURCES, (route) => route.abort());
  await page.route(LIVEKIT, (route) => route.abort());
  const failedStart = async (extra) => {
    const mark = await emulator.streams();
    const error = await page.evaluate(({ key, extra }) => window.startAndStop(key, extra), { key: KEY, extra });
    return { error, server: await afterFailedStart(emulator, mark) };
  };
  // A screen and the LiveKit transport fail before any stream is created (a screen does
  // not overlap the start-up; livekit.js loads before the create call).
  const screen = await failedStart({ source: { type: "screen" } });
  assert.equal(screen.error?.name, "SourceUnsupportedError", JSON.stringify(screen));
  assert.match(screen.error.message, /screen, video and HLS sources could not be loaded/);
  assert.deepEqual(screen.server, { open: 0, ended: [] });
  const livekit = await failedStart({ transport: "livekit", livekitClient: "none" });
  assert.equal(livekit.error?.name, "SourceUnsupportedError", JSON.stringify(livekit));
  assert.match(livekit.error.message, /LiveKit transport could not be loaded/);
  assert.deepEqual(livekit.server, { open: 0, ended: [] });
  // A video overlaps: the stream may be created before the failure is known; then it is
  // deleted before start() rejects.
  const video = await failedStart({ source: { type: "video", url: "/nothing.webm" } });
  assert.equal(video.error?.name, "SourceUnsupportedError", JSON.stringify(video));
  assert.equal(video.server.open, 0);
  assert.ok(video.server.ended.every((reason) => reason === "client_requested"), JSON.stringify(video));
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await page.evaluate(() => window.leftovers()), CLEAN);
  assert.deepEqual(errors, []);
  await page.close();
});

test("sources.js failing late: over WebRTC a video's stream, created meanwhile (start-up overlap), is DELETEd before start() rejects with SourceUnsupportedError; over LiveKit none is created", { timeout: 60_000 }, async () => {
  // livekit.js imports sources.js (its optional-peer loader), and the room's module is
  // loaded before the create call: over LiveKit the failure always comes first.
  for (const [transport, created] of [["webrtc", ["client_requested"]], ["livekit", []]]) {
    // A fresh page each: a module map may remember a failed import.
    const { page, errors } = await freshPage();
    await page.route(SOURCES, async (route) => {
      await new Promise((r) => setTimeout(r, 2000));
      await route.abort();
    });
    const mark = await emulator.streams();
    const error = await page.evaluate(({ key, transport }) => window.startAndStop(key, {
      transport, livekitClient: "real", source: { type: "video", url: "/nothing.webm" },
    }), { key: KEY, transport });
    const server = await afterFailedStart(emulator, mark);
    assert.equal(error?.name, "SourceUnsupportedError", JSON.stringify({ transport, error }));
    assert.deepEqual(server, { open: 0, ended: created }, transport);
    assert.deepEqual(await page.evaluate(() => window.leftovers()), CLEAN);
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test("minified: a source map beside each file, exported class names, the optional-peer import's bundler hints", async () => {
  const files = readdirSync(pkgDir, { recursive: true }).filter((f) => f.endsWith(".js"));
  // Two glues (the main and the full module), the 6 entries (index, manual-init, their
  // no-browser twins, v1beta and v1beta-manual-init, which `overshoot-wasm/full` names
  // too), 5 snippets (runtime, runtime-full, connection, sources, livekit).
  assert.equal(files.length, 13, files.join());
  for (const file of files) {
    const code = readFileSync(join(pkgDir, file), "utf8");
    assert.ok(code.endsWith(`//# sourceMappingURL=${basename(file)}.map\n`), file);
    const map = JSON.parse(readFileSync(join(pkgDir, `${file}.map`), "utf8"));
    assert.deepEqual(map.sources, [basename(file)], file);
    assert.ok(map.sourcesContent[0].split("\n").length > code.split("\n").length, `${file}: the map holds the original text`);
  }
  const sources = readFileSync(join(pkgDir, files.find((f) => f.endsWith("sources.js"))), "utf8");
  assert.match(sources, /import\(\/\* webpackIgnore: true \*\/ \/\* @vite-ignore \*\/ \w+\)/);

  const { page, errors } = await freshPage();
  const names = await page.evaluate(() => [window.sdk.RealtimeVision.name, window.sdk.StreamClient.name,
    window.sdk.SourceUnsupportedError.name, new window.sdk.ValidationError("x").name]);
  assert.deepEqual(names, ["RealtimeVision", "StreamClient", "SourceUnsupportedError", "ValidationError"]);
  assert.deepEqual(errors, []);
  await page.close();
});

test("an app bundler splits sources.js and livekit.js into chunks of their own (esbuild, splitting on); the main entry has no livekit.js to bundle", async () => {
  const bundle = (entries) => build({
    entryPoints: entries.map((entry) => join(pkgDir, entry)),
    bundle: true, splitting: true, format: "esm", outdir: "out", write: false, logLevel: "silent",
  });
  // The full entry (`overshoot-wasm/full`, pkg/v1beta.js) beside the main one, as an app
  // importing both would be bundled.
  const bundled = await bundle(["index.js", "v1beta.js"]);
  // A string of each module's own, which minifying keeps.
  const holding = (text, outputs = bundled) => outputs.outputFiles.filter((f) => f.text.includes(text)).map((f) => basename(f.path));
  const [relay] = holding("format not supported");
  const [publisher] = holding("stopped while joining the LiveKit room");
  const [results] = holding("result is not valid JSON");
  assert.ok(relay && publisher && results, bundled.outputFiles.map((f) => f.path).join());
  assert.notEqual(relay, results);
  assert.notEqual(publisher, results);
  for (const entry of ["index.js", "v1beta.js"]) {
    assert.notEqual(relay, entry);
    assert.notEqual(publisher, entry);
  }
  const main = await bundle(["index.js"]);
  assert.deepEqual(holding("stopped while joining the LiveKit room", main), []);
  assert.ok(holding("format not supported", main).length === 1, main.outputFiles.map((f) => f.path).join());
});
