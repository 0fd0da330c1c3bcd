// The two wasm modules of the package, in one page: the main entry (`overshoot-wasm`,
// the streams API over WebRTC only) loads only its own wasm and refuses a v1beta
// `apiUrl` and `transport: "livekit"` with typed errors naming the entry to import; the
// full entry (`overshoot-wasm/full`, also named `overshoot-wasm/v1beta`: both are
// pkg/v1beta.js) loads the other wasm, takes both, and throws the very same error classes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, launchChromium } from "./harness.mjs";

let emulator, browser, page;
const wasmRequested = [];

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ www: join(ROOT, "tests/e2e/www"), pkg: pkgDir });
  browser = await launchChromium(solidY4m([20, 20, 230]));
  page = await browser.newPage();
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith(".wasm")) wasmRequested.push(basename(path));
  });
  await page.goto(emulator.url + "/");
  await page.waitForFunction(() => window.sdkReady === true);
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

test("the main entry loads only its own wasm and refuses a v1beta apiUrl with ValidationError code v1beta_entry_required", { timeout: 30_000 }, async () => {
  assert.deepEqual(wasmRequested, ["overshoot_wasm_bg.wasm"]);
  const refused = await page.evaluate((key) => {
    const caught = (make) => {
      try {
        make();
        return null;
      } catch (e) {
        return {
          name: e.name, code: e.code, field: e.details?.field, message: e.message,
          typed: e instanceof window.sdk.ValidationError && e instanceof window.sdk.OvershootError,
        };
      }
    };
    const apiUrl = location.origin + "/v1beta";
    return {
      vision: caught(() => new window.sdk.RealtimeVision({ apiKey: key, apiUrl, prompt: "p", onResult() {} })),
      client: caught(() => new window.sdk.StreamClient({ apiKey: key, apiUrl })),
    };
  }, KEY);
  for (const error of [refused.vision, refused.client]) {
    assert.ok(error, "constructing with a v1beta apiUrl must throw");
    assert.equal(error.name, "ValidationError");
    assert.equal(error.code, "v1beta_entry_required");
    assert.equal(error.field, "apiUrl");
    assert.ok(error.typed, "instanceof ValidationError and OvershootError");
    assert.match(error.message, /^apiUrl names v1beta .*import from "overshoot-wasm\/v1beta"/);
    assert.ok(!error.message.includes(KEY), "the key is not in the message");
  }
});

test("the main entry refuses transport: \"livekit\" with ValidationError code livekit_entry_required; the full entry takes it", { timeout: 30_000 }, async () => {
  const outcome = await page.evaluate(async (key) => {
    const config = { apiKey: key, apiUrl: location.origin, prompt: "p", onResult() {}, transport: "livekit" };
    let refused = null;
    try {
      new window.sdk.RealtimeVision(config);
    } catch (e) {
      refused = {
        name: e.name, code: e.code, field: e.details?.field, message: e.message,
        typed: e instanceof window.sdk.ValidationError && e instanceof window.sdk.OvershootError,
      };
    }
    const full = await import("/pkg/v1beta.js"); // overshoot-wasm/full
    const vision = new full.RealtimeVision(config);
    const accepted = vision.state;
    vision.free();
    return { refused, accepted };
  }, KEY);
  const error = outcome.refused;
  assert.ok(error, "constructing with transport: \"livekit\" must throw");
  assert.equal(error.name, "ValidationError");
  assert.equal(error.code, "livekit_entry_required");
  assert.equal(error.field, "transport");
  assert.ok(error.typed, "instanceof ValidationError and OvershootError");
  assert.match(error.message, /^transport is "livekit", .*import from "overshoot-wasm\/full"/);
  assert.ok(!error.message.includes(KEY), "the key is not in the message");
  assert.equal(outcome.accepted, "idle");
  assert.ok(wasmRequested.includes("overshoot_wasm_v1beta_bg.wasm"), JSON.stringify(wasmRequested));
});

test("the main entry's v1beta-only calls reject with unsupported_by_api, as the full module's do with a streams-API url", { timeout: 30_000 }, async () => {
  const rejections = await page.evaluate(async (key) => {
    const apiUrl = location.origin;
    const vision = new window.sdk.RealtimeVision({ apiKey: key, apiUrl, prompt: "p", onResult() {} });
    const client = new window.sdk.StreamClient({ apiKey: key, apiUrl });
    const calls = {
      ask: () => vision.ask("q"),
      getStatus: () => vision.getStatus(),
      viewerToken: () => vision.viewerToken(),
      getStream: () => client.getStream("s"),
      createViewerToken: () => client.createViewerToken("s"),
      chatCompletions: () => client.chatCompletions({ model: "m", messages: [] }),
    };
    const out = {};
    for (const [name, call] of Object.entries(calls)) {
      out[name] = await call().then(
        () => null,
        (e) => ({ name: e.name, code: e.code, typed: e instanceof window.sdk.ValidationError }),
      );
    }
    vision.free();
    client.free();
    return out;
  }, KEY);
  for (const [call, error] of Object.entries(rejections)) {
    assert.deepEqual(error, { name: "ValidationError", code: "unsupported_by_api", typed: true }, call);
  }
});

test("the v1beta entry loads its own wasm, accepts the v1beta apiUrl, and throws the main entry's error classes", { timeout: 30_000 }, async () => {
  const outcome = await page.evaluate(async (key) => {
    const v1 = await import("/pkg/v1beta.js");
    const apiUrl = location.origin + "/v1beta";
    const client = new v1.StreamClient({ apiKey: key, apiUrl });
    const models = await client.getModels();
    client.free();
    let invalid;
    try {
      new v1.RealtimeVision({ apiKey: key, apiUrl, onResult() {}, stream: "yes" });
    } catch (e) {
      invalid = { name: e.name, sameClass: e instanceof window.sdk.ValidationError };
    }
    return {
      models: models.object,
      invalid,
      sameClasses: v1.ValidationError === window.sdk.ValidationError && v1.OvershootError === window.sdk.OvershootError,
    };
  }, KEY);
  assert.ok(wasmRequested.includes("overshoot_wasm_v1beta_bg.wasm"), JSON.stringify(wasmRequested));
  assert.equal(outcome.models, "list");
  assert.deepEqual(outcome.invalid, { name: "ValidationError", sameClass: true });
  assert.ok(outcome.sameClasses, "one set of error classes across the entries");
});
