// What happens between the connection and the first frame decoded at the emulator, in
// counters rather than timings (the machine is shared, timings are noisy): the
// sender's getStats() (outbound-rtp) polled every 10 ms from the moment the page makes
// its peer connection, and the emulator's start-up lines on stderr (when ICE/DTLS
// completed and the first frame decoded; with the start-up trace, also the first RTP
// datagram, each frame str0m handed over and each key frame request before it).
// Alternating runs of each contender against one emulator. Diagnostic only: writes nothing.
//
//   node bench/first-frame.mjs [--runs 9] [--variant name=dir ...] [--config 'name={...}']
//                              [--sdk] [--condition id] [--verbose]
// Without --variant, this checkout's pkg/ is "ours"; --sdk adds the npm SDK; --config gives
// a variant extra config keys (the same dir may appear under two names).
import { parseArgs } from "node:util";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { OUT, KEY, startEmulator, launchChromium, waitFor } from "../tests/e2e/harness.mjs";
import { serveStatic, texturedY4m, copyPublishedPkg } from "./lib/serve.mjs";
import { conditionNamed, cameraWarmUp } from "./lib/scenarios.mjs";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "9" },
    variant: { type: "string", multiple: true, default: [] },
    config: { type: "string", multiple: true, default: [] },
    sdk: { type: "boolean", default: false },
    condition: { type: "string", default: "" },
    verbose: { type: "boolean", default: false },
  },
});
const condition = conditionNamed(values.condition);
const ROOT = resolve(import.meta.dirname, "..");
mkdirSync(join(OUT, "bench"), { recursive: true });
const work = join(OUT, "bench");
const configs = Object.fromEntries(values.config.map((c) => [c.slice(0, c.indexOf("=")), c.slice(c.indexOf("=") + 1)]));
const contenders = values.variant.map((v) => ({ name: v.slice(0, v.indexOf("=")), dir: resolve(v.slice(v.indexOf("=") + 1)) }));
for (const c of contenders) c.config = configs[c.name] ?? "";
if (!contenders.length) contenders.push({ name: "ours", dir: await copyPublishedPkg(ROOT, join(work, "pkg-first-frame")) });
if (values.sdk) contenders.push({ name: "npm-sdk", dir: null });
for (const c of contenders) {
  c.server = await serveStatic(c.dir
    ? { "/pkg/": c.dir, "/": join(ROOT, "bench/www") }
    : { "/sdk/": join(ROOT, "node_modules/@overshoot/sdk/dist"), "/": join(ROOT, "bench/www") });
  c.runs = [];
}
const emulator = await startEmulator({
  ttl: 6, extraArgs: ["--max-streams-per-key", "1000"],
  ...(condition ? { networkDelayMs: condition.delayMs, tls: true } : {}),
});
const browser = await launchChromium(texturedY4m(work), { acceptSelfSigned: Boolean(condition) });

/** Runs in the page before any script: polls the newest peer connection's video
 * outbound-rtp every 10 ms and keeps each snapshot in which a counter moved. */
function instrument() {
  const FIELDS = ["framesEncoded", "keyFramesEncoded", "framesSent", "frameWidth", "frameHeight", "bytesSent",
    "packetsSent", "retransmittedPacketsSent", "nackCount", "pliCount", "firCount", "qualityLimitationReason",
    "totalPacketSendDelay", "totalEncodeTime", "targetBitrate", "encoderImplementation"];
  const trace = (window.__ff = { snapshots: [], states: [], offer: null, polling: true });
  const PC = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...args) {
    const pc = new PC(...args);
    trace.states.push(["new", Date.now()]);
    pc.addEventListener("connectionstatechange", () => trace.states.push([pc.connectionState, Date.now()]));
    const setLocal = pc.setLocalDescription.bind(pc);
    pc.setLocalDescription = (d, ...rest) => {
      if (d?.sdp) trace.offer = d.sdp;
      return setLocal(d, ...rest);
    };
    let last = "";
    const poll = async () => {
      if (!trace.polling || pc.connectionState === "closed") return;
      const stats = await pc.getStats().catch(() => null);
      stats?.forEach((s) => {
        if (s.type !== "outbound-rtp" || s.kind !== "video") return;
        const snap = Object.fromEntries(FIELDS.map((f) => [f, s[f] ?? null]));
        const key = JSON.stringify(snap);
        if (key !== last) trace.snapshots.push({ at: s.timestamp, ...snap });
        last = key;
      });
      setTimeout(poll, 10);
    };
    poll();
    return pc;
  };
  window.RTCPeerConnection.prototype = PC.prototype;
}

for (let run = 0; run < Number(values.runs) * contenders.length; run++) {
  const c = contenders[run % contenders.length];
  const context = await browser.newContext();
  await context.addInitScript(instrument);
  if (condition) await context.addInitScript(cameraWarmUp, condition.cameraMs);
  const page = await context.newPage();
  const logFrom = emulator.log().length;
  const query = new URLSearchParams({ sdk: c.dir ? "ours" : "theirs", api: emulator.url, key: KEY, oursConfig: c.config ?? "" });
  await page.goto(`${c.server.url}/page.html?${query}`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 20000 });
  const started = await page.evaluate(() => window.bench.start());
  const report = await waitFor(async () => {
    const { open, ended } = await emulator.streams();
    const r = [...open, ...ended].find((s) => s.stream_id === started.streamId);
    return r?.first_frame_unix_ms ? r : null;
  }, 5000, "first frame in the emulator's report").catch(() => null);
  await new Promise((ok) => setTimeout(ok, 300)); // the counters just after it too
  const ff = await page.evaluate(() => {
    window.__ff.polling = false;
    return window.__ff;
  });
  await page.evaluate(() => window.bench.stop());
  await context.close();
  if (run < contenders.length || !report) {
    if (!report) console.log(`${c.name}: no first frame in 5 s`);
    continue; // the first round warms the browser up
  }
  const t0 = started.wall;
  const rel = (t) => (t == null ? null : Math.round(t - t0));
  const decodedAt = report.first_frame_unix_ms;
  // The emulator's lines, in ms after its answer, put on the page's clock by the decode.
  const lines = emulator.log().slice(logFrom).split("\n");
  const afterAnswer = (re) => lines.map((l) => re.exec(l)).filter(Boolean).map((m) => Number(m[1]));
  const [decodedAfterAnswer] = afterAnswer(/: first frame decoded, .*?(\d+) ms after the answer/);
  const emuAt = (ms) => (ms == null || decodedAfterAnswer == null ? null : ms - decodedAfterAnswer + rel(decodedAt));
  const frames = lines.filter((l) => / frame \d+ ms after the answer: /.test(l));
  const traced = (n) => (frames.length ? n : null); // counts need the emulator's start-up trace
  const tr = {
    connected: emuAt(afterAnswer(/: connected \(ICE\+DTLS\) (\d+) ms/)[0]),
    firstRtp: emuAt(afterAnswer(/: first RTP datagram received (\d+) ms/)[0]),
    frames: frames.length || null,
    errors: traced(frames.filter((l) => /decoded error/.test(l)).length),
    gaps: traced(frames.filter((l) => /contiguous false/.test(l)).length),
    firstFrameBytes: Number(/: (\d+) B,/.exec(frames[0] ?? "")?.[1]) || null,
    keyframeRequests: traced(afterAnswer(/: (?:Pli|Fir) sent (\d+) ms/).length),
    firstRequest: emuAt(afterAnswer(/: (?:Pli|Fir) sent (\d+) ms/)[0]),
  };
  const firstWith = (f) => ff.snapshots.find(f);
  const atDecode = [...ff.snapshots].reverse().find((s) => s.at <= decodedAt) ?? {};
  const after = ff.snapshots.at(-1) ?? {};
  const firstEncoded = firstWith((s) => s.framesEncoded > 0);
  const r = {
    connected: rel(ff.states.find(([s]) => s === "connected")?.[1]),
    emuConnected: tr.connected,
    firstEncoded: rel(firstEncoded?.at),
    firstPacketSent: rel(firstWith((s) => s.packetsSent > 0)?.at),
    firstFrameSent: rel(firstWith((s) => s.framesSent > 0)?.at),
    firstRtpAtEmu: tr.firstRtp,
    decoded: rel(decodedAt),
    firstSize: firstEncoded ? `${firstEncoded.frameWidth}x${firstEncoded.frameHeight}` : "?",
    firstBytes: firstEncoded?.bytesSent,
    firstKey: firstEncoded?.keyFramesEncoded,
    atDecode: {
      enc: atDecode.framesEncoded, key: atDecode.keyFramesEncoded, sent: atDecode.framesSent,
      pkts: atDecode.packetsSent, bytes: atDecode.bytesSent, pli: atDecode.pliCount, nack: atDecode.nackCount,
      rtx: atDecode.retransmittedPacketsSent, ql: atDecode.qualityLimitationReason,
    },
    after: {
      enc: after.framesEncoded, key: after.keyFramesEncoded, pli: after.pliCount, nack: after.nackCount,
      fir: after.firCount, rtx: after.retransmittedPacketsSent, size: `${after.frameWidth}x${after.frameHeight}`,
      sendDelayMs: after.packetsSent ? Math.round((after.totalPacketSendDelay / after.packetsSent) * 1e4) / 10 : null,
      encoder: after.encoderImplementation, targetKbps: after.targetBitrate && Math.round(after.targetBitrate / 1000),
    },
    emu: {
      firstFrameBytes: tr.firstFrameBytes, frames: tr.frames, errors: tr.errors, gaps: tr.gaps,
      plis: tr.keyframeRequests, firstPli: tr.firstRequest,
    },
    sizes: [...new Set(ff.snapshots.filter((s) => s.frameWidth).map((s) => `${s.frameWidth}x${s.frameHeight}`))].join(","),
    offerSsrc: /a=ssrc:/.test(ff.offer ?? ""),
  };
  c.runs.push(r);
  if (values.verbose) console.log(c.name, JSON.stringify(r));
}
await browser.close();
await emulator.stop();
for (const c of contenders) await c.server.close();

const median = (xs) => {
  const a = xs.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((p, q) => p - q);
  return a.length ? a[a.length >> 1] : null;
};
const get = (o, path) => path.split(".").reduce((v, k) => v?.[k], o);
const ROWS = ["connected", "emuConnected", "firstEncoded", "firstPacketSent", "firstFrameSent", "firstRtpAtEmu", "decoded",
  "firstBytes", "firstKey", "atDecode.enc", "atDecode.key", "atDecode.sent", "atDecode.pkts", "atDecode.bytes",
  "atDecode.pli", "atDecode.nack", "atDecode.rtx", "after.enc", "after.key", "after.pli", "after.nack", "after.rtx",
  "after.sendDelayMs", "after.targetKbps", "emu.firstFrameBytes", "emu.frames", "emu.errors", "emu.gaps", "emu.plis", "emu.firstPli"];
console.log(`\nmedians (ms after start() for times; n=${contenders[0].runs.length})`);
console.log("".padEnd(20) + contenders.map((c) => c.name.padStart(12)).join(""));
for (const row of ROWS) {
  console.log(row.padEnd(20) + contenders.map((c) => String(median(c.runs.map((r) => get(r, row))) ?? "—").padStart(12)).join(""));
}
for (const c of contenders) {
  const count = (f) => c.runs.filter(f).length;
  console.log(`${c.name}: first frame sizes ${[...new Set(c.runs.map((r) => r.firstSize))].join(" ")}; size changes ${count((r) => r.sizes.includes(","))}/${c.runs.length}; ` +
    (c.runs.some((r) => r.emu.frames != null)
      ? `decode errors ${count((r) => r.emu.errors > 0)}/${c.runs.length}; more than one frame received before the first decode ${count((r) => r.emu.frames > 1)}/${c.runs.length}; `
      : "no emulator start-up trace in its log; ") +
    `offer with ssrc ${count((r) => r.offerSsrc)}/${c.runs.length}; encoder ${[...new Set(c.runs.map((r) => r.after.encoder))].join(" ")}; ql ${[...new Set(c.runs.map((r) => r.atDecode.ql))].join(" ")}`);
}
process.exit(0);
