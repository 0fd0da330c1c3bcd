// Fault matrix: the emulator injects a fault, the package must recover or fail with
// the right typed error, and afterwards nothing is left: no stream open on the
// emulator, no live track, no package timer firing.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor } from "./harness.mjs";

let emulator, browser, page, pkgDir;

/**
 * Runs in the page: getUserMedia answers only after `window.cameraPrompt.ms`, like a
 * permission prompt the user takes time over, then grants (or refuses with a
 * NotAllowedError, with `refuse`). Calls are counted in `cameraCalls`, every stream
 * handed out is kept in `grantedStreams`, unhandled rejections in `unhandled`.
 */
function slowCameraPrompt() {
  window.cameraPrompt = { ms: 1500, refuse: false };
  window.cameraCalls = 0;
  window.grantedStreams = [];
  window.unhandled = [];
  window.addEventListener("unhandledrejection", (e) => window.unhandled.push(String(e.reason?.message ?? e.reason)));
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    window.cameraCalls++;
    const { ms, refuse } = window.cameraPrompt;
    await new Promise((r) => setTimeout(r, ms));
    if (refuse) throw new DOMException("Permission denied", "NotAllowedError");
    const stream = await gum(constraints);
    window.grantedStreams.push(stream);
    return stream;
  };
}

async function openPage({ slowCamera = false } = {}) {
  const p = await browser.newPage();
  if (slowCamera) await p.addInitScript(slowCameraPrompt);
  // Count timer callbacks scheduled from wasm, to prove none fire after a session ends.
  await p.addInitScript(() => {
    window.packageTimerFires = 0;
    const original = window.setTimeout;
    window.setTimeout = function (fn, ms, ...rest) {
      if (typeof fn === "function" && /wasm/.test(new Error().stack)) {
        const wrapped = fn;
        fn = (...a) => { window.packageTimerFires++; return wrapped(...a); };
      }
      return original.call(this, fn, ms, ...rest);
    };
    // The lease timers keep time in workers (js/runtime.js WorkerTimer): count their
    // messages too.
    const OriginalWorker = window.Worker;
    window.Worker = class extends OriginalWorker {
      constructor(...args) {
        super(...args);
        this.addEventListener("message", () => window.packageTimerFires++);
      }
    };
  });
  await p.goto(emulator.url + "/");
  await p.waitForFunction(() => window.sdkReady === true);
  await p.evaluate(() => {
    window.snapshot = () => {
      const c = window.current;
      return {
        results: c.results.length,
        errors: c.errors,
        states: c.states,
        state: c.vision.state,
        prompts: c.results.map((r) => r.prompt),
      };
    };
  });
  return p;
}

async function arm(faults) {
  await fetch(`${emulator.url}/__emulator/faults`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ api_key: KEY, ...faults }),
  });
}

/** Nothing left behind: streams, tracks, timers. */
async function assertClean(p) {
  await waitFor(async () => (await emulator.streams()).open.length === 0, 8000, "no open stream on the emulator");
  const before = await p.evaluate(() => {
    const stream = window.current?.vision.getMediaStream();
    return { fires: window.packageTimerFires, live: stream ? stream.getTracks().filter((t) => t.readyState === "live").length : 0 };
  });
  assert.equal(before.live, 0, "no live track");
  await new Promise((r) => setTimeout(r, 2500));
  const later = await p.evaluate(() => window.packageTimerFires);
  assert.equal(later, before.fires, "no package timer fired after the session ended");
}

before(async () => {
  ({ pkgDir } = packedPackage());
  emulator = await startEmulator({ ttl: 4, www: join(ROOT, "tests/e2e/www"), pkg: pkgDir });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await openPage();
});

afterEach(async () => {
  await arm({});
});

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

test("a dropped results socket is reopened and results keep coming", async () => {
  await arm({ drop_socket_after_results: 2 });
  await page.evaluate(async () => {
    const c = window.recordSession();
    await c.vision.start();
    await c.untilResults(5, 20000);
  });
  const snap = await page.evaluate(() => window.snapshot());
  assert.deepEqual(snap.errors, []);
  assert.ok(snap.states.includes("reconnecting"), snap.states.join(","));
  assert.equal(snap.state, "streaming");
  await page.evaluate(() => window.current.vision.stop());
  await assertClean(page);
});

test("keepalive 5xx twice: retried with backoff, the stream survives", async () => {
  await arm({ keepalive_errors: 2 });
  await page.evaluate(async () => { await window.recordSession().vision.start(); });
  await new Promise((r) => setTimeout(r, 9000)); // > 2 TTLs
  const snap = await page.evaluate(() => window.snapshot());
  assert.deepEqual(snap.errors, []);
  assert.equal(snap.state, "streaming");
  const open = (await emulator.streams()).open;
  assert.equal(open.length, 1);
  assert.ok(open[0].keepalives >= 2, `keepalives ${open[0].keepalives}`);
  // The timer probe sees the package's timers (so "no timer after stop" means something).
  assert.ok(await page.evaluate(() => window.packageTimerFires) > 0, "package timers are counted");
  await page.evaluate(() => window.current.vision.stop());
  await assertClean(page);
});

/** A keepalive that hangs `hangMs` must be aborted and retried before the 4 s lease ends. */
async function survivesHangingKeepalive(hangMs, config) {
  await arm({ delay_ms: { keepalive: hangMs } });
  await page.evaluate(async (config) => { await window.recordSession(config).vision.start(); }, config);
  await new Promise((r) => setTimeout(r, 6000));
  const snap = await page.evaluate(() => window.snapshot());
  assert.deepEqual(snap.errors, []);
  assert.equal(snap.state, "streaming");
  await page.evaluate(() => window.current.vision.stop());
  await assertClean(page);
}

test("a hanging keepalive times out (AbortController) and the retry renews the lease", async () => {
  await survivesHangingKeepalive(5000, { requestTimeoutMs: 600 });
});

test("without a short requestTimeoutMs, a hanging keepalive is still cut off in time for a retry within the lease", async () => {
  // The default request timeout is 20 s; the lease (4 s) would be gone by then.
  await survivesHangingKeepalive(30000, {});
});

test("a hanging create makes start() reject with NetworkError and releases the camera", async () => {
  await arm({ delay_ms: { create: 4000 } });
  const outcome = await page.evaluate(async () => {
    const c = window.recordSession({ requestTimeoutMs: 800 });
    try {
      await c.vision.start();
      return "started";
    } catch (e) {
      return { name: e.name, message: e.message, state: c.vision.state };
    }
  });
  assert.equal(outcome.name, "NetworkError", JSON.stringify(outcome));
  assert.match(outcome.message, /timed out after 800 ms/);
  assert.equal(outcome.state, "failed");
  await new Promise((r) => setTimeout(r, 4000)); // let the delayed handler finish
  await assertClean(page);
});

test("a create answer the package cannot read still has its stream deleted (no billed leftover)", async () => {
  await arm({ malformed_creates: 1 });
  const endedBefore = (await emulator.streams()).ended.length;
  const outcome = await page.evaluate(async () => {
    const c = window.recordSession();
    return (await c.tryStart()) ? "started" : { ...c.startError, state: c.vision.state };
  });
  assert.equal(outcome.name, "ApiError", JSON.stringify(outcome));
  assert.match(outcome.message, /malformed create-stream response.*turn_servers/);
  assert.equal(outcome.state, "failed");
  await assertClean(page);
  // Deleted by the package (not left to expire): the lease is 4 s, this is sooner.
  const ended = (await emulator.streams()).ended.slice(endedBefore);
  assert.deepEqual(ended.map((s) => s.end_reason), ["client_requested"]);
});

test("a DELETE that fails with 503 is retried, so stop() still ends the billing", async () => {
  await arm({ delete_errors: 2 });
  const id = await page.evaluate(async () => {
    const c = window.recordSession();
    await c.vision.start();
    const id = c.vision.getStreamId();
    await c.vision.stop();
    return id;
  });
  const ended = (await emulator.streams()).ended.find((s) => s.stream_id === id);
  assert.equal(ended?.end_reason, "client_requested", "deleted by the third try, before stop() resolved");
  assert.deepEqual(await page.evaluate(() => window.current.errors), []);
  await assertClean(page);
});

test("malformed result messages go to onError and the stream goes on", async () => {
  await arm({ malformed_results: 2 });
  await page.evaluate(async () => {
    const c = window.recordSession();
    await c.vision.start();
    await c.untilResults(2, 15000);
  });
  const snap = await page.evaluate(() => window.snapshot());
  assert.equal(snap.errors.length, 2, JSON.stringify(snap.errors));
  assert.ok(snap.errors.every((e) => e.name === "ApiError" && /malformed result/.test(e.message)));
  assert.equal(snap.state, "streaming");
  await page.evaluate(() => window.current.vision.stop());
  await assertClean(page);
});

test("a stream killed by the server ends with StreamEndedError and the reason", async () => {
  const id = await page.evaluate(async () => {
    const c = window.recordSession();
    await c.vision.start();
    await c.untilResults(1, 10000);
    return c.vision.getStreamId();
  });
  await fetch(`${emulator.url}/__emulator/streams/${id}/end`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ reason: "webrtc_disconnected" }),
  });
  await waitFor(() => page.evaluate(() => window.current.errors.length === 1), 8000, "the error");
  const snap = await page.evaluate(() => window.snapshot());
  assert.equal(snap.errors[0].name, "StreamEndedError");
  assert.match(snap.errors[0].message, /webrtc_disconnected/);
  assert.equal(snap.state, "failed");
  await assertClean(page);
});

test("stop() while start() is still running (StrictMode double mount) leaves nothing", async () => {
  for (const delay of [0, 50, 150]) {
    await arm({ delay_ms: { create: 300 } });
    const outcome = await page.evaluate(async (delay) => {
      const c = window.recordSession();
      const started = c.vision.start();
      await new Promise((r) => setTimeout(r, delay));
      const stopped = c.vision.stop();
      const [s] = await Promise.allSettled([started, stopped]);
      return { start: s.status === "rejected" ? s.reason.name : "resolved", state: c.vision.state };
    }, delay);
    assert.equal(outcome.start, "AbortError", `stop after ${delay} ms: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.state, "stopped");
    await assertClean(page);
  }
});

test("stop() or free() during the camera prompt: the stream granted later is stopped", async () => {
  const p = await openPage({ slowCamera: true });
  for (const [end, refuse] of [["stop", false], ["dispose", false], ["stop", true]]) {
    const outcome = await p.evaluate(async ({ end, refuse }) => {
      window.cameraPrompt.refuse = refuse;
      const calls = window.cameraCalls;
      const c = window.recordSession();
      const started = c.vision.start().then(() => "resolved", (e) => e.name);
      // The prompt is up once getUserMedia was called.
      while (window.cameraCalls === calls) await new Promise((r) => setTimeout(r, 5));
      if (end === "stop") await c.vision.stop();
      else {
        c.vision[Symbol.dispose]();
        window.current = null; // the object itself is gone
      }
      const start = await started;
      await new Promise((r) => setTimeout(r, window.cameraPrompt.ms + 500)); // the answer
      return {
        start,
        tracks: window.grantedStreams.flatMap((s) => s.getTracks().map((t) => t.readyState)),
        unhandled: window.unhandled,
      };
    }, { end, refuse });
    const what = `${end}${refuse ? ", prompt refused" : ""}: ${JSON.stringify(outcome)}`;
    assert.equal(outcome.start, "AbortError", what);
    assert.deepEqual(outcome.unhandled, [], what);
    assert.ok(outcome.tracks.every((t) => t === "ended"), what);
    await assertClean(p);
  }
  const granted = await p.evaluate(() => window.grantedStreams.length);
  assert.equal(granted, 2, "the two granted prompts handed out a stream each");
  await p.close();
});

test("start() twice rejects the second call; stop() twice is fine", async () => {
  const outcome = await page.evaluate(async () => {
    const c = window.recordSession();
    const first = c.vision.start();
    let second = null;
    try { await c.vision.start(); } catch (e) { second = e.name; }
    await first;
    await c.vision.stop();
    await c.vision.stop();
    return { second, state: c.vision.state };
  });
  assert.deepEqual(outcome, { second: "ValidationError", state: "stopped" });
  await assertClean(page);
});

test("a session started without keeping a reference survives garbage collection, and is released once stopped", async () => {
  await page.evaluate(async () => {
    window.unheldResults = 0;
    const vision = new window.sdk.RealtimeVision({
      apiKey: "emulator-key", apiUrl: location.origin, prompt: "What colour?",
      onResult: () => window.unheldResults++,
    });
    window.unheld = new WeakRef(vision); // a weak handle only, to look and to stop it later
    await vision.start();
  });
  const cdp = await page.context().newCDPSession(page);
  const collect = async () => {
    for (let i = 0; i < 3; i++) {
      await cdp.send("HeapProfiler.collectGarbage");
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  await collect();
  const before = await page.evaluate(() => window.unheldResults);
  await new Promise((r) => setTimeout(r, 2000));
  const snap = await page.evaluate(() => ({ results: window.unheldResults, state: window.unheld.deref()?.state ?? "collected" }));
  assert.equal(snap.state, "streaming", JSON.stringify(snap));
  assert.ok(snap.results > before, `results kept coming: ${before} → ${snap.results}`);
  assert.equal((await emulator.streams()).open.length, 1);
  await page.evaluate(() => window.unheld.deref().stop());
  await collect();
  assert.equal(await page.evaluate(() => window.unheld.deref() === undefined), true, "released once stopped");
  await cdp.detach();
  await waitFor(async () => (await emulator.streams()).open.length === 0, 8000, "no open stream on the emulator");
});

test("freeing the object (Symbol.dispose) stops its stream", async () => {
  await page.evaluate(async () => {
    const c = window.recordSession();
    await c.vision.start();
    const stream = c.vision.getMediaStream();
    c.vision[Symbol.dispose]();
    window.current = { vision: { getMediaStream: () => stream } }; // the object itself is gone
  });
  await assertClean(page);
});

for (const [where, apiHost] of [["same origin", "127.0.0.1"], ["cross-origin API (CORS preflight)", "localhost"]]) {
  test(`closing the tab deletes the stream (pagehide → keepalive DELETE), ${where}`, async () => {
    const other = await openPage();
    const id = await other.evaluate(async (apiHost) => {
      const c = window.recordSession({ apiUrl: location.origin.replace("127.0.0.1", apiHost) });
      await c.vision.start();
      return c.vision.getStreamId();
    }, apiHost);
    await other.close({ runBeforeUnload: true });
    await waitFor(async () => (await emulator.streams()).ended.some((s) => s.stream_id === id), 8000, "the DELETE");
    const ended = (await emulator.streams()).ended.find((s) => s.stream_id === id);
    assert.equal(ended.end_reason, "client_requested");
  });
}

test("the server process dying ends the session with a typed error and leaves nothing running", async () => {
  const own = await startEmulator({ ttl: 4, www: join(ROOT, "tests/e2e/www"), pkg: pkgDir });
  const p = await browser.newPage();
  await p.goto(own.url + "/");
  await p.waitForFunction(() => window.sdkReady === true);
  await p.evaluate(async () => {
    const c = window.recordSession({ requestTimeoutMs: 1000 });
    await c.vision.start();
    await c.untilResults(1, 10000);
  });
  await own.stop();
  await waitFor(() => p.evaluate(() => window.current.vision.state === "failed"), 40000, "the session to fail");
  const outcome = await p.evaluate(() => ({
    errors: window.current.errors.map((e) => e.name),
    live: (window.current.vision.getMediaStream()?.getTracks() ?? []).filter((t) => t.readyState === "live").length,
  }));
  assert.equal(outcome.errors.length, 1, JSON.stringify(outcome));
  assert.ok(["NetworkError", "WebRTCError"].includes(outcome.errors[0]), outcome.errors[0]);
  assert.equal(outcome.live, 0);
  await p.close();
});
