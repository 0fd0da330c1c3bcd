// One benchmark session: a fresh browser context with one package loaded, running
// scenario 1 (start latency) + 3 (upload), then 2 (result burst) + 4a (memory after
// it), then 4b (memory after start/stop cycles). Every figure comes from the page's
// performance.now(), CDP, pc.getStats() or the emulator's report; nothing is asserted.
import { KEY, waitFor } from "../../tests/e2e/harness.mjs";

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** Init script, the same for both packages: remembers the newest RTCPeerConnection. */
function capturePeerConnections() {
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      window.__benchPc = new WeakRef(this);
    }
  };
}

/** Init script, the same for both packages: getUserMedia resolves no sooner than
 * `ms` after it is called, like a laptop or phone camera warming up. */
export function cameraWarmUp(ms) {
  const devices = navigator.mediaDevices;
  const native = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    const asked = performance.now();
    const stream = await native(constraints);
    const left = ms - (performance.now() - asked);
    if (left > 0) await new Promise((ok) => setTimeout(ok, left));
    return stream;
  };
}

/**
 * The conditions of the start-up rows beyond loopback: a one-way network delay on every
 * HTTP answer, socket message and media datagram (RTT = 2 × delayMs), the API over
 * HTTPS/WSS with a self-signed certificate, and a camera warm-up.
 */
export const CONDITIONS = [
  { id: "rtt50cam600", delayMs: 25, cameraMs: 600, label: "50 ms RTT, TLS, 600 ms camera" },
  { id: "rtt150cam600", delayMs: 75, cameraMs: 600, label: "150 ms RTT, TLS, 600 ms camera" },
];

/** The CONDITIONS row named `id` (a `--condition` option), null for none; throws on an unknown id. */
export function conditionNamed(id) {
  if (!id) return null;
  const condition = CONDITIONS.find((c) => c.id === id);
  if (!condition) throw new Error(`--condition: one of ${CONDITIONS.map((c) => c.id).join(", ")}`);
  return condition;
}

async function streamReport(emulator, id) {
  const { open, ended } = await emulator.streams();
  return open.find((s) => s.stream_id === id) ?? ended.find((s) => s.stream_id === id);
}

async function arm(emulator, faults) {
  const res = await fetch(`${emulator.url}/__emulator/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ api_key: KEY, ...faults }),
  });
  if (!res.ok) throw new Error(`arming ${JSON.stringify(faults)}: ${res.status} ${await res.text()}`);
}

/** CDP helpers for one page. */
function devtools(cdp) {
  return {
    async metrics() {
      const { metrics } = await cdp.send("Performance.getMetrics");
      return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
    },
    /** JSHeapUsedSize after a forced GC. Console entries are dropped first: with a
     * debugger attached V8 keeps logged objects alive, and the npm SDK logs each start. */
    async heapAfterGc() {
      await cdp.send("Runtime.discardConsoleEntries").catch(() => {});
      await cdp.send("HeapProfiler.collectGarbage");
      await cdp.send("HeapProfiler.collectGarbage");
      return (await this.metrics()).JSHeapUsedSize;
    },
  };
}

const evaluate = (page, fn, arg) => page.evaluate(fn, arg);

/** Scenario 1 only (start-up under a network/camera condition), then stop. */
async function startOnly(page, emulator) {
  const s = await evaluate(page, () => window.bench.start());
  await waitFor(() => evaluate(page, () => window.bench.state().firstResultAt), 20000, "first result");
  const st = await evaluate(page, () => window.bench.state());
  const report = await waitFor(async () => {
    const r = await streamReport(emulator, s.streamId);
    return r?.first_frame_unix_ms ? r : null;
  }, 5000, "first frame in the emulator's report");
  await evaluate(page, () => window.bench.stop());
  return {
    resolveMs: s.resolvedAt - s.t0,
    firstFrameMs: report.first_frame_unix_ms - s.wall,
    createToFirstFrameMs: report.first_frame_ms,
    firstResultMs: st.firstResultAt - s.t0,
    errors: st.errors,
  };
}

/** Scenario 1 then 3 on the same stream. */
async function startAndUpload(page, emulator, opts) {
  const s = await evaluate(page, () => window.bench.start());
  await waitFor(() => evaluate(page, () => window.bench.state().firstResultAt), 20000, "first result");
  const st = await evaluate(page, () => window.bench.state());
  const report = await waitFor(async () => {
    const r = await streamReport(emulator, s.streamId);
    return r?.first_frame_unix_ms ? r : null;
  }, 5000, "first frame in the emulator's report");
  const start = {
    resolveMs: s.resolvedAt - s.t0,
    firstFrameMs: report.first_frame_unix_ms - s.wall,
    createToFirstFrameMs: report.first_frame_ms,
    firstResultMs: st.firstResultAt - s.t0,
    codec: report.codec,
  };
  const sample = async () => {
    const [out, rep, state] = await Promise.all([
      evaluate(page, () => window.bench.outbound()),
      streamReport(emulator, s.streamId),
      evaluate(page, () => window.bench.state()),
    ]);
    return { out, rep, state, at: Date.now() };
  };
  const a = await sample();
  await sleep(opts.uploadSeconds * 1000);
  const b = await sample();
  const rtpSeconds = (b.out.timestamp - a.out.timestamp) / 1000;
  const seconds = (b.at - a.at) / 1000;
  const upload = {
    seconds: rtpSeconds,
    bytesPerSec: (b.out.bytesSent - a.out.bytesSent) / rtpSeconds,
    headerBytesPerSec: (b.out.headerBytesSent - a.out.headerBytesSent) / rtpSeconds,
    sentFps: (b.out.framesSent - a.out.framesSent) / rtpSeconds,
    decodedFps: (b.rep.frames_decoded - a.rep.frames_decoded) / seconds,
    resultsPerSec: (b.state.results - a.state.results) / seconds,
    frameSize: `${b.out.frameWidth}x${b.out.frameHeight}`,
    encoder: b.out.encoderImplementation,
    qualityLimitation: b.out.qualityLimitationReason,
  };
  await evaluate(page, () => window.bench.stop());
  return { start, upload, errors: st.errors };
}

/**
 * Scenario 2 and 4a. The emulator holds the burst 3 s after the results socket
 * authenticates; meanwhile the page's idle main-thread rate is measured for 1 s, and
 * that rate is subtracted from the burst window's TaskDuration/ScriptDuration.
 */
async function burst(page, emulator, dt, opts) {
  const n = opts.burst;
  await arm(emulator, { burst_results: n, burst_delay_ms: 3000 });
  const s = await evaluate(page, () => window.bench.start());
  const heapBefore = await dt.heapAfterGc();
  const wasmBefore = await evaluate(page, () => window.bench.wasmMemoryBytes());
  const m0 = await dt.metrics();
  const p0 = (await evaluate(page, () => window.bench.state())).now;
  await sleep(1000);
  const m1 = await dt.metrics();
  const p1 = (await evaluate(page, () => window.bench.state())).now;
  const st = await waitFor(async () => {
    const state = await evaluate(page, () => window.bench.state());
    return state.burst.count >= n ? state : null;
  }, 120000, `${n} burst results`).finally(() => arm(emulator, {}));
  const m2 = await dt.metrics();
  const window2 = (st.now - p1) / 1000;
  const idleTask = (m1.TaskDuration - m0.TaskDuration) / ((p1 - p0) / 1000);
  const idleScript = (m1.ScriptDuration - m0.ScriptDuration) / ((p1 - p0) / 1000);
  const perResultUs = (busy, idle) => ((busy - idle * window2) / n) * 1e6;
  const result = {
    spanMs: st.burst.last - st.burst.first,
    taskUsPerResult: perResultUs(m2.TaskDuration - m1.TaskDuration, idleTask),
    scriptUsPerResult: perResultUs(m2.ScriptDuration - m1.ScriptDuration, idleScript),
    rawTaskUsPerResult: perResultUs(m2.TaskDuration - m1.TaskDuration, 0),
    idleTaskShare: idleTask,
    idleWindowClean: st.burst.first > p1,
    heapBefore,
    heapAfter: await dt.heapAfterGc(),
    wasmBefore,
    wasmAfter: await evaluate(page, () => window.bench.wasmMemoryBytes()),
    streamId: s.streamId,
  };
  const sent = new RegExp(`stream ${s.streamId} sent a burst of ${n} results in ([\\d.]+) ms`).exec(emulator.log());
  result.emulatorSendMs = sent ? Number(sent[1]) : null;
  result.heapGrowth = result.heapAfter - result.heapBefore;
  result.wasmGrowth = wasmBefore === null ? null : result.wasmAfter - wasmBefore;
  await evaluate(page, () => window.bench.stop());
  return { ...result, errors: st.errors };
}

/** Scenario 4b: `opts.cycles` × (start(), stop()) back to back. */
async function cycles(page, emulator, dt, opts) {
  const heapBefore = await dt.heapAfterGc();
  const wasmBefore = await evaluate(page, () => window.bench.wasmMemoryBytes());
  const msPerCycle = await evaluate(page, (n) => window.bench.cycles(n), opts.cycles);
  const heapAfter = await dt.heapAfterGc();
  const wasmAfter = await evaluate(page, () => window.bench.wasmMemoryBytes());
  const { open } = await emulator.streams();
  const { errors } = await evaluate(page, () => window.bench.state());
  return {
    msPerCycle, heapBefore, heapAfter, heapGrowth: heapAfter - heapBefore,
    wasmBefore, wasmAfter, wasmGrowth: wasmAfter === null ? null : wasmAfter - wasmBefore,
    openStreamsAfter: open.length, errors,
  };
}

/** One session of package `sdk` against `emulator`; failures are recorded, not thrown.
 * With a `condition` (see `CONDITIONS`) only the start-up is measured. */
export async function runSession({ browser, sdk, emulator, pageUrl, opts, log, condition }) {
  const context = await browser.newContext();
  await context.addInitScript(capturePeerConnections);
  if (condition) await context.addInitScript(cameraWarmUp, condition.cameraMs);
  const page = await context.newPage();
  const loaded = new Set();
  page.on("response", (r) => loaded.add(new URL(r.url()).pathname));
  page.on("pageerror", (e) => log(`[${sdk} page error] ${e.message}`));
  const out = { sdk, condition: condition?.id ?? null };
  try {
    const query = new URLSearchParams({ sdk, api: emulator.url, key: KEY, oursConfig: opts.oursConfig ?? "" });
    await page.goto(`${pageUrl}/page.html?${query}`);
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 20000 });
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    const dt = devtools(cdp);
    const steps = condition
      ? { startOnly: () => startOnly(page, emulator) }
      : {
          startUpload: () => startAndUpload(page, emulator, opts),
          burst: () => burst(page, emulator, dt, opts),
          cycles: () => cycles(page, emulator, dt, opts),
        };
    for (const [name, step] of Object.entries(steps)) {
      try {
        out[name] = await step();
      } catch (e) {
        out[name] = { failed: String(e?.message ?? e).split("\n")[0] };
        log(`[${sdk}] ${name} failed: ${out[name].failed}`);
        await evaluate(page, () => window.bench.stop()).catch(() => {});
      }
    }
  } finally {
    out.loaded = [...loaded];
    await context.close();
  }
  return out;
}
