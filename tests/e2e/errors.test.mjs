// HTTP and socket failures reach apps as typed errors: one class hierarchy
// (instanceof works, name is the class name) with status, requestId and details.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor, openSdkPage, recordOffer } from "./harness.mjs";

let emulator, browser, page;

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({
    ttl: 2,
    www: join(ROOT, "tests/e2e/www"),
    pkg: pkgDir,
    extraArgs: ["--no-credits-key", "broke-key", "--max-streams-per-key", "2"],
  });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await openSdkPage(browser, emulator.url);
  await recordOffer(page);
  await page.evaluate(() => {
    window.describe = (e) => ({
      name: e.name, status: e.status, requestId: e.requestId, details: e.details, message: e.message,
      isError: e instanceof Error, isBase: e instanceof window.sdk.OvershootError,
      isOwnClass: e instanceof window.sdk[e.name],
    });
    window.request = (sdp) => ({ source: { type: "webrtc", sdp }, inference: { prompt: "p", model: "m" } });
  });
});

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

async function expectError(fn, args) {
  return page.evaluate(async ({ fn, args }) => {
    try {
      await new Function("args", `return (${fn})(args)`)(args);
      return null;
    } catch (e) {
      return window.describe(e);
    }
  }, { fn: fn.toString(), args });
}

function assertTyped(e, name, status) {
  assert.ok(e, `expected ${name}`);
  assert.equal(e.name, name, JSON.stringify(e));
  assert.equal(e.status, status);
  assert.ok(e.isError && e.isBase && e.isOwnClass, `instanceof Error, OvershootError and ${name}: ${JSON.stringify(e)}`);
}

test("401 bad key → UnauthorizedError", async () => {
  const e = await expectError(async ({ url }) => {
    await new window.sdk.StreamClient({ apiKey: "nope", apiUrl: url }).getModels();
  }, { url: emulator.url });
  assertTyped(e, "UnauthorizedError", 401);
  assert.match(e.requestId, /^req-/);
  assert.ok(!e.message.includes("nope"), "the key is not in the message");
});

test("402 out of credits → InsufficientCreditsError, at create and at keepalive", async () => {
  const atCreate = await expectError(async ({ url }) => {
    await new window.sdk.StreamClient({ apiKey: "broke-key", apiUrl: url }).createStream(window.request(window.offerSdp));
  }, { url: emulator.url });
  assertTyped(atCreate, "InsufficientCreditsError", 402);

  const atKeepalive = await expectError(async ({ url, key }) => {
    const client = new window.sdk.StreamClient({ apiKey: key, apiUrl: url });
    const { stream_id } = await client.createStream(window.request(window.offerSdp));
    await fetch("/__emulator/credits", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ api_key: key, out_of_credits: true }) });
    try {
      await client.renewLease(stream_id);
    } finally {
      await fetch("/__emulator/credits", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ api_key: key, out_of_credits: false }) });
    }
  }, { url: emulator.url, key: KEY });
  assertTyped(atKeepalive, "InsufficientCreditsError", 402);
});

test("404 unknown stream → NotFoundError", async () => {
  const e = await expectError(async ({ url, key }) => {
    await new window.sdk.StreamClient({ apiKey: key, apiUrl: url }).renewLease("no-such-stream");
  }, { url: emulator.url, key: KEY });
  assertTyped(e, "NotFoundError", 404);
});

test("422 from the server → ValidationError with status and details.field", async () => {
  const e = await expectError(async ({ url, key }) => {
    await new window.sdk.StreamClient({ apiKey: key, apiUrl: url }).createStream(window.request("v=0 not an offer"));
  }, { url: emulator.url, key: KEY });
  assertTyped(e, "ValidationError", 422);
  assert.deepEqual(e.details, { field: "source.sdp" });
});

test("client-side validation → ValidationError without status, before any request", async () => {
  const e = await expectError(async ({ url, key }) => {
    const req = window.request(window.offerSdp);
    req.processing = { target_fps: 31 };
    await new window.sdk.StreamClient({ apiKey: key, apiUrl: url }).createStream(req);
  }, { url: emulator.url, key: KEY });
  assertTyped(e, "ValidationError", undefined);
  assert.deepEqual(e.details, { field: "processing.target_fps" });
});

test("429 beyond the concurrent-stream limit → RateLimitError", async () => {
  const e = await expectError(async ({ url, key }) => {
    const client = new window.sdk.StreamClient({ apiKey: key, apiUrl: url });
    const ids = [];
    try {
      for (let i = 0; i < 3; i++) ids.push((await client.createStream(window.request(window.offerSdp))).stream_id);
    } finally {
      for (const id of ids) await client.closeStream(id);
    }
  }, { url: emulator.url, key: KEY });
  assertTyped(e, "RateLimitError", 429);
  assert.equal((await emulator.streams()).open.length, 0);
});

test("a running stream whose key runs out of credits fails with InsufficientCreditsError", async () => {
  const outcome = await page.evaluate(async ({ key }) => {
    const { vision, errors } = window.recordSession({ apiKey: key });
    await vision.start();
    await fetch("/__emulator/credits", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ api_key: key, out_of_credits: true }) });
    const end = Date.now() + 8000;
    while (errors.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    await fetch("/__emulator/credits", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ api_key: key, out_of_credits: false }) });
    const tracks = vision.getMediaStream()?.getTracks() ?? [];
    return { errors, state: vision.state, active: vision.isActive(), liveTracks: tracks.filter((t) => t.readyState === "live").length };
  }, { key: KEY });
  assert.equal(outcome.errors.length, 1, JSON.stringify(outcome));
  assert.equal(outcome.errors[0].name, "InsufficientCreditsError");
  assert.equal(outcome.state, "failed");
  assert.equal(outcome.active, false);
  await waitFor(async () => (await emulator.streams()).open.length === 0, 5000, "stream closed");
});

test("structured results: json() parses them; a text result's json() throws ResultParseError", async () => {
  const outcome = await page.evaluate(async ({ key }) => {
    const s = window.recordSession({ apiKey: key, outputSchema: { type: "object", properties: { colour: { type: "string" } } } });
    await s.vision.start();
    await s.untilResults(1);
    await s.vision.stop();
    const results = s.results;
    const parsed = results[0].json();
    let parseError = null;
    try {
      Object.setPrototypeOf({ result: "red: not json" }, Object.getPrototypeOf(results[0])).json();
    } catch (e) {
      parseError = window.describe(e);
    }
    return { parsed, wire: Object.keys(results[0]).sort(), parseError };
  }, { key: KEY });
  assert.equal(outcome.parsed.colour, "red");
  assert.deepEqual(outcome.wire, [
    "error", "finish_reason", "id", "inference_latency_ms", "mode", "model_backend", "model_name",
    "ok", "prompt", "result", "stream_id", "total_latency_ms",
  ]);
  assert.equal(outcome.parseError.name, "ResultParseError");
  assert.ok(outcome.parseError.isBase);
});

test("a wrongly typed field gets the same field name from client and emulator", async () => {
  const outcome = await page.evaluate(async ({ key }) => {
    const body = { ...window.request(window.offerSdp), processing: { target_fps: "6" } };
    const res = await fetch("/streams", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const server = { status: res.status, details: (await res.json()).details };
    let client = null;
    try {
      await new window.sdk.StreamClient({ apiKey: key, apiUrl: location.origin }).createStream(body);
    } catch (e) {
      client = { name: e.name, status: e.status, details: e.details };
    }
    return { server, client };
  }, { key: KEY });
  assert.deepEqual(outcome.server, { status: 422, details: { field: "processing.target_fps" } });
  assert.deepEqual(outcome.client, { name: "ValidationError", status: undefined, details: { field: "processing.target_fps" } });
});

test("an exception thrown in onResult is an unhandled rejection; results still count and the stream goes on", async () => {
  const outcome = await page.evaluate(async ({ key }) => {
    const rejections = [];
    const onRejection = (e) => {
      rejections.push(e.reason?.message);
      e.preventDefault();
    };
    window.addEventListener("unhandledrejection", onRejection);
    let calls = 0;
    const { vision, errors } = window.recordSession({
      apiKey: key,
      onResult: () => {
        calls++;
        throw new Error(`app bug ${calls}`);
      },
    });
    await vision.start();
    while (calls < 2) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 50)); // rejection events are dispatched after a task
    const stats = await vision.getStats();
    const state = vision.state;
    await vision.stop();
    window.removeEventListener("unhandledrejection", onRejection);
    return { calls, rejections, errors, state, received: stats.resultsReceived, latency: typeof stats.lastResultLatencyMs };
  }, { key: KEY });
  assert.ok(["app bug 1", "app bug 2"].every((m) => outcome.rejections.includes(m)), JSON.stringify(outcome));
  assert.deepEqual(outcome.errors, []);
  assert.equal(outcome.state, "streaming");
  assert.equal(outcome.received, outcome.calls);
  assert.equal(outcome.latency, "number");
  await waitFor(async () => (await emulator.streams()).open.length === 0, 5000, "stream closed");
});
