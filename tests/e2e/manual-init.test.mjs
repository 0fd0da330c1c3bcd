// The `overshoot-wasm/manual-init` entry in a browser: the packed package's
// pkg/manual-init.js loads the wasm only when `init()` is called, once however many
// calls overlap, exports the same error classes as the main entry, and its
// RealtimeVision validates and streams like the main entry's.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor } from "./harness.mjs";

let emulator, browser;

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ www: join(ROOT, "tests/e2e/www"), pkg: pkgDir });
  browser = await launchChromium(solidY4m([230, 20, 20]));
});

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

test("manual-init: no wasm before init(), one load for overlapping calls, shared error classes, a session streams", { timeout: 60_000 }, async () => {
  const page = await browser.newPage();
  const wasmRequests = [];
  page.on("request", (r) => { if (r.url().endsWith(".wasm")) wasmRequests.push(r.url()); });
  await page.goto(`${emulator.url}/recorder.js`);
  const imported = await page.evaluate(async () => {
    window.manual = await import("/pkg/manual-init.js");
    return Object.keys(window.manual).sort();
  });
  assert.ok(imported.includes("default") && imported.includes("ValidationError") && imported.includes("SourceEndedError"), imported.join());
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(wasmRequests, [], "the wasm loads only when init() is called");

  const loaded = await page.evaluate(async () => {
    const { default: init } = window.manual;
    const [a, b] = await Promise.all([init(), init()]);
    const c = await init();
    return { same: a === b && b === c, memory: a.memory instanceof WebAssembly.Memory };
  });
  assert.deepEqual(loaded, { same: true, memory: true });
  assert.equal(wasmRequests.length, 1, wasmRequests.join());

  const checked = await page.evaluate(async () => {
    const { RealtimeVision, ValidationError } = window.manual;
    const main = await import("/pkg/index.js");
    let thrown;
    try {
      new RealtimeVision({ apiKey: "k", prompt: "", onResult() {} });
    } catch (error) {
      thrown = { validation: error instanceof ValidationError, field: error.details?.field };
    }
    return { thrown, sameClasses: main.ValidationError === ValidationError && main.RealtimeVision === RealtimeVision };
  });
  assert.deepEqual(checked, { thrown: { validation: true, field: "prompt" }, sameClasses: true });
  assert.equal(wasmRequests.length, 1, "importing the main entry afterwards reuses the loaded wasm");

  await page.evaluate(async (key) => {
    const { RealtimeVision } = window.manual;
    window.results = [];
    // No reference kept: the package holds the running session.
    new RealtimeVision({ apiKey: key, apiUrl: location.origin, prompt: "colour?", onResult: (r) => window.results.push(r.result) }).start();
  }, KEY);
  const first = await waitFor(() => page.evaluate(() => window.results[0]), 20_000, "a result");
  assert.match(first, /^red: mean RGB/);
  await page.close();
  await waitFor(async () => (await emulator.streams()).open.length === 0, 10_000, "the closed page's stream deleted");
});
