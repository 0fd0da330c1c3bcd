// Where start() spends its time, for this package and the npm SDK alike: the page's
// getUserMedia, RTCPeerConnection steps, fetch and WebSocket are wrapped to record when
// each is called and settles (performance.now(), ms after start() is called). Alternating
// runs; prints the median of each step. Diagnostic only: writes nothing.
//
//   node bench/phases.mjs [--runs 10] [--pkg pkg] [--condition rtt50cam600]
// --condition takes an id of lib/scenarios.mjs CONDITIONS: the emulator then delays
// (over TLS) and the camera warms up as in those rows of `npm run bench`.
import { parseArgs } from "node:util";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { OUT, KEY, startEmulator, launchChromium, waitFor } from "../tests/e2e/harness.mjs";
import { serveStatic, texturedY4m, copyPublishedPkg } from "./lib/serve.mjs";
import { CONDITIONS, cameraWarmUp } from "./lib/scenarios.mjs";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "10" },
    pkg: { type: "string", default: "pkg" },
    "ours-config": { type: "string", default: "" },
    condition: { type: "string", default: "" },
    verbose: { type: "boolean", default: false },
    network: { type: "boolean", default: false },
  },
});
const condition = values.condition ? CONDITIONS.find((c) => c.id === values.condition) : null;
if (values.condition && !condition) throw new Error(`--condition: one of ${CONDITIONS.map((c) => c.id).join(", ")}`);
const ROOT = resolve(import.meta.dirname, "..");
const work = join(OUT, "bench");
mkdirSync(work, { recursive: true });
const pkg = await copyPublishedPkg(ROOT, join(work, "pkg-phases"));
const server = await serveStatic({
  "/pkg/": values.pkg === "pkg" ? pkg : resolve(values.pkg),
  "/sdk/": join(ROOT, "node_modules/@overshoot/sdk/dist"),
  "/": join(ROOT, "bench/www"),
});
const emulator = await startEmulator({
  ttl: 6, extraArgs: ["--max-streams-per-key", "1000"],
  ...(condition ? { networkDelayMs: condition.delayMs, tls: true } : {}),
});
const browser = await launchChromium(texturedY4m(work), { acceptSelfSigned: Boolean(condition) });

/** Runs in the page before any script: wraps the browser APIs both packages use. */
function instrument() {
  const log = (window.__phases = []);
  const mark = (what) => log.push([what, performance.now()]);
  const wrap = (obj, name, label) => {
    const original = obj[name];
    obj[name] = function (...args) {
      mark(`${label} called`);
      const out = original.apply(this, args);
      if (out && typeof out.then === "function") out.then(() => mark(`${label} settled`), () => {});
      return out;
    };
  };
  wrap(navigator.mediaDevices, "getUserMedia", "getUserMedia");
  const pc = RTCPeerConnection.prototype;
  for (const m of ["addTrack", "addTransceiver", "createOffer", "setLocalDescription", "setRemoteDescription", "setConfiguration"]) {
    wrap(pc, m, m);
  }
  for (const m of ["replaceTrack", "setParameters"]) wrap(RTCRtpSender.prototype, m, m);
  const fetch = window.fetch;
  window.fetch = function (input, init) {
    const label = `fetch ${init?.method ?? "GET"} ${String(input).replace(/^.*\/\/[^/]+/, "").replace(/[0-9a-f-]{20,}/g, ":id")}`;
    mark(`${label} called`);
    const out = fetch.call(this, input, init);
    out.then(() => mark(`${label} headers`), () => {});
    return out;
  };
  const PC = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...args) {
    mark("RTCPeerConnection new");
    const pc = new PC(...args);
    mark("RTCPeerConnection made");
    window.__benchPc = new WeakRef(pc);
    pc.addEventListener("icegatheringstatechange", () => mark(`ICE gathering ${pc.iceGatheringState}`));
    pc.addEventListener("connectionstatechange", () => mark(`connection ${pc.connectionState}`));
    return pc;
  };
  window.RTCPeerConnection.prototype = PC.prototype;
  for (const level of ["debug", "log", "info"]) {
    const original = console[level];
    console[level] = (...args) => {
      mark(`console: ${String(args[0]).slice(0, 60)}`);
      original.apply(console, args);
    };
  }
  const WS = window.WebSocket;
  window.WebSocket = function (...args) {
    mark("WebSocket new");
    const ws = new WS(...args);
    ws.addEventListener("open", () => mark("WebSocket open"));
    return ws;
  };
  window.WebSocket.prototype = WS.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
}

const samples = { ours: [], theirs: [] };
for (let run = 0; run < Number(values.runs) * 2; run++) {
  const sdk = run % 2 === 0 ? "ours" : "theirs";
  const context = await browser.newContext();
  await context.addInitScript(instrument);
  if (condition) await context.addInitScript(cameraWarmUp, condition.cameraMs);
  const page = await context.newPage();
  const logFrom = emulator.log().length;
  // --network: CDP's view of each request (which connection, reused or new, its timing).
  const requests = new Map();
  if (values.network) {
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    cdp.on("Network.requestWillBeSent", (e) => requests.set(e.requestId, { method: e.request.method, url: e.request.url.replace(/^.*\/\/[^/]+/, "").replace(/[0-9a-f-]{20,}/g, ":id") }));
    cdp.on("Network.responseReceived", (e) => {
      const r = requests.get(e.requestId);
      if (!r) return;
      const t = e.response.timing;
      Object.assign(r, { connectionId: e.response.connectionId, reused: e.response.connectionReused, protocol: e.response.protocol,
        timing: t && Object.fromEntries(["dnsStart", "connectStart", "sslStart", "sslEnd", "connectEnd", "sendStart", "receiveHeadersEnd"].map((k) => [k, Math.round(t[k])])),
        requestTime: t?.requestTime });
    });
  }
  const query = new URLSearchParams({ sdk, api: emulator.url, key: KEY, oursConfig: values["ours-config"] });
  await page.goto(`${server.url}/page.html?${query}`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 20000 });
  const t = await page.evaluate(async () => {
    window.__phases.length = 0;
    const started = await window.bench.start();
    // Until the first frame is out (or 3 s): the steps after start() resolves count too.
    for (let waited = 0; waited < 3000; waited += 20) {
      const stats = await window.__benchPc?.deref()?.getStats();
      let sent = 0;
      stats?.forEach((s) => { if (s.type === "outbound-rtp") sent += s.framesSent ?? 0; });
      if (sent > 0) {
        window.__phases.push(["first frame sent (getStats, 20 ms polls)", performance.now()]);
        break;
      }
      await new Promise((ok) => setTimeout(ok, 20));
    }
    const phases = window.__phases.map(([what, at]) => [what, at - started.t0]);
    phases.push(["start() resolved", started.resolvedAt - started.t0]);
    return { phases, resolved: started.resolvedAt - started.t0, wall: started.wall, streamId: started.streamId };
  });
  const report = await waitFor(async () => {
    const { open, ended } = await emulator.streams();
    const r = [...open, ...ended].find((s) => s.stream_id === t.streamId);
    return r?.first_frame_unix_ms ? r : null;
  }, 5000, "first frame in the emulator's report").catch(() => null);
  if (report) t.phases.push(["first frame decoded at the emulator", report.first_frame_unix_ms - t.wall]);
  if (values.network) {
    for (const r of requests.values()) if (!/\.(js|wasm|html|css|y4m)$|^\/(pkg|sdk)\//.test(r.url)) console.log(`   ${sdk} net: ${r.method} ${r.url} conn ${r.connectionId} reused ${r.reused} ${JSON.stringify(r.timing)}`);
  }
  if (values.verbose) {
    // Counters, not only timings: the sender's view once the first frame is decoded.
    const counters = await page.evaluate(async () => {
      const out = {};
      (await window.__benchPc?.deref()?.getStats())?.forEach((s) => {
        if (s.type !== "outbound-rtp" || s.kind !== "video") return;
        for (const k of ["keyFramesEncoded", "framesEncoded", "framesSent", "packetsSent", "bytesSent", "nackCount",
          "pliCount", "firCount", "retransmittedPacketsSent", "frameWidth", "frameHeight", "qualityLimitationReason",
          "encoderImplementation", "rid"]) out[k] = s[k];
      });
      return out;
    });
    console.log(sdk, "counters after the first decode:", JSON.stringify(counters));
    const lines = emulator.log().slice(logFrom).split("\n").filter((l) => /^peer \d+: (first|frame|Pli|Fir|connected|rtp)/.test(l));
    for (const l of lines) console.log("   emulator:", l);
  }
  Object.assign(t, await page.evaluate(async () => {
    window.__phases.length = 0;
    const s0 = performance.now();
    await window.bench.stop();
    const stopped = performance.now() - s0;
    return { stopped, stopPhases: window.__phases.map(([what, at]) => [what, at - s0]) };
  }));
  if (run >= 2) samples[sdk].push(t); // the first pair warms the browser up
  if (values.verbose) console.log(sdk, t.phases.map(([w, at]) => `${at.toFixed(0)} ${w}`).join(" | "));
  await context.close();
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
for (const [sdk, runs] of Object.entries(samples)) {
  console.log(`\n${sdk} (${runs.length} runs): start() resolved after ${median(runs.map((r) => r.resolved)).toFixed(1)} ms, stop() after ${median(runs.map((r) => r.stopped)).toFixed(1)} ms`);
  for (const key of ["phases", "stopPhases"]) {
  console.log(key === "phases" ? " start():" : " stop():");
  const steps = new Map();
  for (const r of runs) {
    const seen = new Set();
    for (const [what, at] of r[key]) {
      if (seen.has(what)) continue; // first occurrence of each step
      seen.add(what);
      if (!steps.has(what)) steps.set(what, []);
      steps.get(what).push(at);
    }
  }
  for (const [what, ats] of [...steps].sort((a, b) => median(a[1]) - median(b[1]))) {
    console.log(`  ${median(ats).toFixed(1).padStart(7)} ms  ${what}`);
  }
  }
}
await browser.close();
await emulator.stop?.();
server.close?.();
process.exit(0);
