// The install tier: the packed package (`npm pack`) installed into real small apps made
// with the newest framework versions (tests/install/apps.mjs), each importing it the way
// that framework's docs teach: Next.js (App Router, a top-level import in a 'use client'
// component and in a server component; `next build`, `next start`), Vite (no config:
// `vite build` and the dev server), webpack 5 (no config), a plain `node` import of every
// entry, and tsc (strict, skipLibCheck false, lib es2022) under moduleResolution
// bundler and nodenext. The browser apps stream Chromium's fake camera to the emulator
// and must get its answer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { launchChromium, solidY4m, startEmulator, waitFor } from "../e2e/harness.mjs";
import { copyApp, installTools, runTool, serveStatic, startServer } from "./apps.mjs";

let emulator, browser;

before(async () => {
  installTools();
  emulator = await startEmulator();
  browser = await launchChromium(solidY4m([230, 20, 20]));
}, { timeout: 300_000 });

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

/**
 * Opens `url` with `?api=` the emulator: the app's page (tests/install/apps/shared/session.js)
 * must throw ValidationError for a bad config, then stream the red camera and get the
 * emulator's answer; the session is then stopped and must leave no open stream. With
 * `v1beta`, the page's `checkV1beta` must have loaded the v1beta entry (its own wasm);
 * every app's page (`full`) must have loaded `overshoot-wasm/full` with `checkFull`.
 */
async function streamsFromPage(url, { v1beta = false, full = true } = {}) {
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (m) => { if (m.type() === "error" && !/favicon/.test(m.location().url)) problems.push(`console: ${m.text()}`); });
  try {
    const response = await page.goto(`${url}?api=${encodeURIComponent(emulator.url)}`);
    assert.equal(response.status(), 200, url);
    const check = await waitFor(() => page.evaluate(() => {
      const c = window.installCheck;
      return c && (c.results.length > 0 || c.errors.length > 0) ? { ...c, vision: undefined } : null;
    }), 30_000, `a result in ${url}`);
    assert.equal(check.validation, "ValidationError");
    assert.deepEqual(check.errors, []);
    assert.match(check.results[0], /^red: mean RGB/);
    if (v1beta) {
      const loaded = await waitFor(() => page.evaluate(() => window.installCheck.v1beta), 20_000, `the v1beta entry in ${url}`);
      assert.deepEqual(loaded, { refused: "v1beta_entry_required", models: "list", sameClasses: true });
    }
    if (full) {
      const loaded = await waitFor(() => page.evaluate(() => window.installCheck.full), 20_000, `the full entry in ${url}`);
      assert.deepEqual(loaded, { refused: "livekit_entry_required", accepted: "idle", sameClasses: true });
    }
    await page.evaluate(() => window.installCheck.vision.stop());
    await waitFor(async () => (await emulator.streams()).open.length === 0, 10_000, "no open stream");
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
}

test("plain node: the entries (main, manual-init, full, full/manual-init, v1beta, v1beta/manual-init) import, with the real error classes; browser-only calls say where to make them", async () => {
  const dir = copyApp("node");
  const report = JSON.parse(execFileSync(process.execPath, ["check.mjs"], { cwd: dir, encoding: "utf8" }));
  const errors = ["AbortError", "ApiError", "InsufficientCreditsError", "MediaError", "NetworkError", "NotFoundError",
    "OvershootError", "RateLimitError", "ResultParseError", "ServerError", "SourceEndedError", "SourceLoadError",
    "SourceUnsupportedError", "StreamEndedError", "UnauthorizedError", "ValidationError", "WebRTCError"];
  const api = ["RealtimeVision", "StreamClient", "initSync"];
  assert.deepEqual(report.mainExports, [...errors, ...api].sort());
  assert.deepEqual(report.manualExports, [...errors, ...api, "default"].sort());
  assert.deepEqual(report.v1betaExports, report.mainExports);
  assert.deepEqual(report.v1betaManualExports, report.manualExports);
  assert.deepEqual(report.fullExports, report.mainExports);
  assert.deepEqual(report.fullManualExports, report.manualExports);
  assert.equal(report.sameErrorClasses, true);
  assert.deepEqual(report.validationError, { name: "ValidationError", isOvershootError: true, details: { field: "prompt" } });
  for (const [call, error] of [["new RealtimeVision()", report.newRealtimeVision], ["new StreamClient()", report.newStreamClient], ["init()", report.init]]) {
    assert.ok(error, `${call} did not fail`);
    assert.equal(error.name, "ValidationError", call);
    assert.equal(error.isOvershootError, true, call);
    assert.ok(error.message.startsWith(`overshoot-wasm: ${call} runs only in a browser`), error.message);
    assert.match(error.message, /useEffect or an event handler of a 'use client' component/);
  }
});

test("tsc --strict, skipLibCheck false, target es2022, lib es2022 + dom (its default): moduleResolution bundler and nodenext", async () => {
  const dir = copyApp("tsc");
  for (const resolution of ["bundler", "nodenext"]) await runTool("tsc", ["-p", `tsconfig.${resolution}.json`], dir);
});

test("webpack 5 with no config: builds without warnings, and the page streams", { timeout: 120_000 }, async () => {
  const dir = copyApp("webpack", "src");
  const output = await runTool("webpack", ["--mode", "production"], dir);
  assert.doesNotMatch(output, /WARNING|ERROR/, output);
  // webpack names assets by hash: the main entry's wasm and the v1beta entry's.
  const wasm = readdirSync(join(dir, "dist")).filter((f) => f.endsWith(".wasm"));
  assert.equal(wasm.length, 2, `${wasm.join()}\n${output}`);
  copyFileSync(join(dir, "index.html"), join(dir, "dist", "index.html"));
  const server = await serveStatic(join(dir, "dist"));
  try {
    await streamsFromPage(`${server.url}/`, { v1beta: true });
  } finally {
    await server.close();
  }
});

test("Vite with no config: vite build (served as static files) and the dev server, both stream", { timeout: 120_000 }, async () => {
  const dir = copyApp("vite", ".");
  const output = await runTool("vite", ["build"], dir);
  assert.match(output, /overshoot_wasm_bg-[\w-]+\.wasm/, output);
  assert.match(output, /overshoot_wasm_v1beta_bg-[\w-]+\.wasm/, output);
  const server = await serveStatic(join(dir, "dist"));
  try {
    await streamsFromPage(`${server.url}/`, { v1beta: true });
  } finally {
    await server.close();
  }
  const dev = startServer("vite", ["--host", "127.0.0.1", "--port", "0"], dir, /ready in/);
  try {
    await streamsFromPage(`${await dev.url}/`, { v1beta: true });
  } finally {
    await dev.stop();
  }
});

/**
 * Builds the Next.js app with `next build` plus `flags`, then checks what `next start`
 * serves: `/` (prerendered), `/dynamic` (rendered per request) and `/edge` (edge
 * runtime) with status 200 and the server-rendered HTML of both imports, a route handler
 * whose `new RealtimeVision()` fails saying where to call it, and that `/` and
 * `/dynamic` stream in Chromium.
 */
async function nextAppWorks(name, flags) {
  const built = copyApp("next", "app", name);
  await runTool("next", ["build", ...flags], built);
  const server = startServer("next", ["start", "--hostname", "127.0.0.1", "--port", "0"], built, /Ready in/);
  try {
    const url = await server.url;
    for (const path of ["/", "/dynamic", "/edge"]) {
      const response = await fetch(url + path);
      const html = await response.text();
      assert.equal(response.status, 200, `${path}: ${html.slice(0, 500)}\n${server.output()}`);
      // Rendered on the server: the server component's and the client component's imports both resolved.
      assert.match(html, /<h1 id="server-import">ValidationError<\/h1>/, path);
      assert.match(html, /<p id="status">server<!-- -->: <!-- -->ValidationError<\/p>/, path);
    }
    const construct = await (await fetch(`${url}/api/construct`)).json();
    assert.equal(construct.errorClass, "ValidationError");
    assert.match(construct.thrown ?? "", /^overshoot-wasm: new RealtimeVision\(\) runs only in a browser.*'use client' component/);
    await streamsFromPage(`${url}/`);
    await streamsFromPage(`${url}/dynamic`);
    assert.doesNotMatch(server.output(), /error/i, server.output());
  } finally {
    await server.stop();
  }
  return built;
}

test("Next.js App Router (Turbopack): next build prerenders the 'use client' page, next start serves static, dynamic and edge pages, the page streams; so does next dev", { timeout: 300_000 }, async () => {
  const dir = await nextAppWorks("next-app", []);
  // The dev server (React's StrictMode runs the effect twice: the first session is
  // stopped by the effect's cleanup while starting, the second must stream).
  const dev = startServer("next", ["dev", "--hostname", "127.0.0.1", "--port", "0"], dir, /Ready in/);
  try {
    await streamsFromPage(`${await dev.url}/`);
  } finally {
    await dev.stop();
  }
});

test("Next.js App Router with next build --webpack: the same", { timeout: 300_000 }, async () => {
  await nextAppWorks("next-webpack-app", ["--webpack"]);
});
