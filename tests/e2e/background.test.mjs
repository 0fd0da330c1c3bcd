// Background tabs: a hidden page must keep renewing its lease although Chromium throttles
// the timers of hidden pages (wake-ups aligned to 1 s; after a grace period, chained
// timers of pages without WebRTC to 1 minute:
// https://developer.chrome.com/blog/timer-throttling-in-chrome-88).
//
// The emulator runs with a 2 s TTL, so renewals are due every second: on the main thread
// of a hidden page a 1 s timer started just after a keepalive answer fires on the second
// 1-second wake-up, ~2 s after the previous keepalive, which is the whole lease. The
// package keeps its lease timers in a dedicated worker, which Chromium does not throttle.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ROOT, solidY4m, packedPackage, startEmulator, launchHideableChromium, setPageHidden, waitFor,
} from "./harness.mjs";

const TTL_S = 2;
const HIDDEN_MS = 16000; // 8 TTLs

let emulator, chromium, page;

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ ttl: TTL_S, www: join(ROOT, "tests/e2e/www"), pkg: pkgDir });
  // Intensive wake-up throttling after 5 s hidden instead of 5 min, so that the worst
  // case Chromium applies to long-hidden tabs is in force during the test too.
  chromium = await launchHideableChromium(solidY4m([230, 20, 20]), {
    extraArgs: ["--enable-features=IntensiveWakeUpThrottling:grace_period_seconds/5"],
  });
  page = await chromium.context.newPage();
  await page.addInitScript(() => {
    // When each keepalive leaves the page (the package fetches through window.fetch).
    window.keepaliveTimes = [];
    const original = window.fetch;
    window.fetch = function (input, init) {
      const url = typeof input === "string" ? input : input?.url;
      if (typeof url === "string" && url.endsWith("/keepalive")) window.keepaliveTimes.push(performance.now());
      return original.call(this, input, init);
    };
  });
  await page.goto(emulator.url + "/");
  await page.waitForFunction(() => window.sdkReady === true);
});

after(async () => {
  try {
    await chromium?.close();
  } finally {
    await emulator?.stop();
  }
});

/** Delays of `count` chained main-thread timeouts of `ms` each, measured in the page. */
function mainThreadDelays(ms, count) {
  return page.evaluate(async ({ ms, count }) => {
    const out = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await new Promise((r) => setTimeout(r, ms));
      out.push(Math.round(performance.now() - t));
    }
    return out;
  }, { ms, count });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

test("a hidden page keeps its stream alive for many TTLs, then stop() leaves nothing", async (t) => {
  const visibleDelays = await mainThreadDelays(100, 4);
  await page.evaluate(async () => {
    const c = window.recordSession();
    await c.vision.start();
    await c.untilResults(1, 15000);
  });
  const streamId = await page.evaluate(() => window.current.vision.getStreamId());

  await setPageHidden(page, true);
  const hiddenAt = await page.evaluate(() => performance.now());
  // The page really is throttled: chained 100 ms timeouts take about a second each.
  const hiddenDelays = await mainThreadDelays(100, 4);
  t.diagnostic(`100 ms timeouts: visible ${visibleDelays.join("/")} ms, hidden ${hiddenDelays.join("/")} ms`);
  assert.ok(hiddenDelays.reduce((a, b) => a + b) >= 2000, `hidden-page timers are throttled: ${hiddenDelays}`);

  // Stay hidden for many TTLs; the stream must stay open the whole time.
  const end = Date.now() + HIDDEN_MS;
  while (Date.now() < end) {
    const { open, ended } = await emulator.streams();
    const gone = ended.find((s) => s.stream_id === streamId);
    assert.equal(gone, undefined, `stream ended while hidden: ${JSON.stringify(gone)}`);
    assert.ok(open.some((s) => s.stream_id === streamId), "stream open while hidden");
    await new Promise((r) => setTimeout(r, 500));
  }
  const snap = await page.evaluate((hiddenAt) => ({
    visibility: document.visibilityState,
    state: window.current.vision.state,
    errors: window.current.errors,
    keepalives: window.keepaliveTimes.filter((k) => k >= hiddenAt),
  }), hiddenAt);
  assert.equal(snap.visibility, "hidden", "the page stayed hidden");
  assert.deepEqual(snap.errors, []);
  assert.equal(snap.state, "streaming");
  const gaps = snap.keepalives.slice(1).map((k, i) => Math.round(k - snap.keepalives[i]));
  t.diagnostic(`keepalives while hidden: ${snap.keepalives.length}, gaps median ${median(gaps)} ms, max ${Math.max(...gaps)} ms`);
  // Renewals are due every TTL/2 = 1 s: 16 in 16 s; a lenient floor for a busy machine.
  assert.ok(snap.keepalives.length >= HIDDEN_MS / (TTL_S * 1000), `keepalives while hidden: ${snap.keepalives.length}`);
  const server = (await emulator.streams()).open.find((s) => s.stream_id === streamId);
  assert.ok(server.keepalives >= snap.keepalives.length, `the emulator counted ${server.keepalives} keepalives`);

  await setPageHidden(page, false);
  await page.evaluate(() => window.current.vision.stop());
  await waitFor(async () => (await emulator.streams()).open.length === 0, 8000, "no open stream on the emulator");
  const after = await page.evaluate(() => ({
    state: window.current.vision.state,
    live: window.current.vision.getMediaStream()?.getTracks().filter((t) => t.readyState === "live").length ?? 0,
  }));
  assert.equal(after.state, "stopped");
  assert.equal(after.live, 0, "no live track");
});

/** A page whose CSP forbids workers (`worker-src 'none'`), recording its violations. */
async function openCspPage() {
  const p = await chromium.context.newPage();
  await p.addInitScript(() => {
    window.violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.violations.push(e.effectiveDirective));
  });
  await p.goto(emulator.url + "/csp.html");
  await p.waitForFunction(() => window.sdkReady === true);
  return p;
}

test("where a CSP forbids blob: workers, the lease timer falls back to setTimeout", async (t) => {
  const p = await openCspPage();
  const streamId = await p.evaluate(async () => {
    const c = window.recordSession();
    await c.vision.start();
    return c.vision.getStreamId();
  });
  await new Promise((r) => setTimeout(r, 3 * TTL_S * 1000));
  const snap = await p.evaluate(() => ({ violations: window.violations, errors: window.current.errors, state: window.current.vision.state }));
  t.diagnostic(`CSP violations: ${JSON.stringify(snap.violations)}`);
  assert.deepEqual(snap.violations, ["worker-src"], "one blocked worker, then setTimeout only");
  assert.deepEqual(snap.errors, []);
  assert.equal(snap.state, "streaming");
  const open = (await emulator.streams()).open.find((s) => s.stream_id === streamId);
  assert.ok(open && open.keepalives >= 3, `keepalives: ${open?.keepalives}`);
  await p.evaluate(() => window.current.vision.stop());
  await waitFor(async () => (await emulator.streams()).open.length === 0, 8000, "no open stream on the emulator");
  await p.close();
});

/** Starts a screen session at 10 fps in `p` once frames flow; returns how to count them. */
async function startScreen(p) {
  await p.evaluate(async () => {
    await window.recordSession({ source: { type: "screen", fps: 10 }, video: false }).vision.start();
  });
  const framesSent = () => p.evaluate(async () => (await window.current.vision.getStats()).framesSent);
  await waitFor(async () => (await framesSent()) > 0, 15000, "frames sent");
  return framesSent;
}

/** Frames `framesSent` counts in the next `ms`. */
async function framesWithin(framesSent, ms) {
  const before = await framesSent();
  await new Promise((r) => setTimeout(r, ms));
  return (await framesSent()) - before;
}

/** Stops the session of `p`; it must have reported no error and left no stream open. */
async function stopScreen(p) {
  await p.evaluate(() => window.current.vision.stop());
  assert.deepEqual(await p.evaluate(() => window.current.errors), []);
  await waitFor(async () => (await emulator.streams()).open.length === 0, 8000, "no open stream on the emulator");
}

test("where a CSP forbids blob: workers, a shared screen is drawn from setInterval", async (t) => {
  const p = await openCspPage();
  const frames = await framesWithin(await startScreen(p), 2000);
  const violations = await p.evaluate(() => window.violations);
  t.diagnostic(`frames sent in 2 s at fps 10 without workers: ${frames}; violations ${JSON.stringify(violations)}`);
  assert.ok(frames >= 10, `frames kept flowing: ${frames}`);
  assert.ok(violations.length >= 1 && violations.every((v) => v === "worker-src"), JSON.stringify(violations));
  await stopScreen(p);
  await p.close();
});

test("a shared screen keeps its frame rate while the app's page is hidden (draw ticks from a worker)", async (t) => {
  const framesSent = await startScreen(page);
  await setPageHidden(page, true);
  const hiddenFrames = await framesWithin(framesSent, 4000);
  const visibility = await page.evaluate(() => document.visibilityState);
  t.diagnostic(`frames sent in 4 s hidden at fps 10: ${hiddenFrames}`);
  assert.equal(visibility, "hidden");
  // Main-thread timers would allow ~4 (one a second); the worker keeps ~40.
  assert.ok(hiddenFrames >= 16, `frames kept flowing while hidden: ${hiddenFrames}`);
  await setPageHidden(page, false);
  await stopScreen(page);
});
