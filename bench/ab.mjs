// A/B comparison of builds of this package (e.g. before/after a change), alternating
// runs in one browser against one emulator, with the same scenarios as `npm run bench`.
// Writes nothing; prints per-run lines and medians. For relative comparisons only:
// run variants back to back, on the same (possibly loaded) machine.
//
//   node bench/ab.mjs --variant base=/tmp/pkg-a --variant new=/tmp/pkg-b [--sdk]
//                     [--config 'new={"video":false}'] [--runs 6] [--burst 2000] [--cycles 2]
//                     [--upload-seconds 2] [--condition rtt50cam600]
// --condition takes an id of lib/scenarios.mjs CONDITIONS: then only the start-up is
// measured, against emulators with that row's delay over TLS and its camera warm-up.
// Each variant is a copy of a built pkg/ directory (`cp -r pkg /tmp/pkg-a`); the same
// directory may appear under two names with different --config (extra config keys).
// --sdk adds the npm SDK as a third contender.
import { parseArgs } from "node:util";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { OUT, startEmulator, launchChromium } from "../tests/e2e/harness.mjs";
import { serveStatic, texturedY4m } from "./lib/serve.mjs";
import { runSession, CONDITIONS } from "./lib/scenarios.mjs";

const { values } = parseArgs({
  options: {
    variant: { type: "string", multiple: true, default: [] },
    config: { type: "string", multiple: true, default: [] },
    sdk: { type: "boolean", default: false },
    runs: { type: "string", default: "6" },
    burst: { type: "string", default: "2000" },
    cycles: { type: "string", default: "2" },
    "upload-seconds": { type: "string", default: "2" },
    condition: { type: "string", default: "" },
  },
});
const condition = values.condition ? CONDITIONS.find((c) => c.id === values.condition) : undefined;
if (values.condition && !condition) throw new Error(`--condition: one of ${CONDITIONS.map((c) => c.id).join(", ")}`);
const opts = {
  runs: Number(values.runs),
  burst: Number(values.burst),
  cycles: Number(values.cycles),
  uploadSeconds: Number(values["upload-seconds"]),
};
const configs = Object.fromEntries(values.config.map((c) => [c.slice(0, c.indexOf("=")), c.slice(c.indexOf("=") + 1)]));
const variants = values.variant.map((v) => {
  const [name, dir] = v.split("=");
  const config = configs[name] && JSON.stringify(JSON.parse(configs[name]));
  return { name, dir: resolve(dir), sdk: "ours", config };
});
if (values.sdk) variants.push({ name: "npm-sdk", dir: null, sdk: "theirs" });
if (variants.length < 2) throw new Error("give at least two contenders (--variant name=dir, --sdk)");

const began = Date.now();
const log = (msg) => console.log(`[ab ${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
const work = join(OUT, "bench");
mkdirSync(work, { recursive: true });
const y4m = texturedY4m(work);
const www = join(import.meta.dirname, "www");
const sdkDist = join(import.meta.dirname, "../node_modules/@overshoot/sdk/dist");
const servers = [];
for (const v of variants) {
  v.server = await serveStatic(v.dir ? { "/pkg/": v.dir, "/": www } : { "/sdk/": sdkDist, "/": www });
  servers.push(v.server);
  // The npm SDK never DELETEs: it gets its own emulator with a high stream cap.
  v.emulator = await startEmulator({
    ttl: 6, extraArgs: ["--max-streams-per-key", v.dir ? "50" : "1000"],
    ...(condition ? { networkDelayMs: condition.delayMs, tls: true } : {}),
  });
  v.samples = [];
}
const browser = await launchChromium(y4m, { acceptSelfSigned: Boolean(condition) });
const started = (s) => s.startUpload?.start ?? s.startOnly;
const METRICS = {
  firstFrameMs: (s) => started(s)?.firstFrameMs,
  createToFirstFrameMs: (s) => started(s)?.createToFirstFrameMs,
  resolveMs: (s) => started(s)?.resolveMs,
  firstResultMs: (s) => started(s)?.firstResultMs,
  uploadKBps: (s) => s.startUpload?.upload && s.startUpload.upload.bytesPerSec / 1024,
  taskUsPerResult: (s) => s.burst?.taskUsPerResult,
  scriptUsPerResult: (s) => s.burst?.scriptUsPerResult,
  burstSpanMs: (s) => s.burst?.spanMs,
  msPerCycle: (s) => s.cycles?.msPerCycle,
  cyclesHeapGrowthKB: (s) => s.cycles && s.cycles.heapGrowth / 1024,
};
try {
  for (let run = 0; run < opts.runs; run++) {
    // Rotate the order so no contender always goes first.
    const order = variants.map((_, i) => variants[(i + run) % variants.length]);
    for (const v of order) {
      const s = await runSession({
        browser, sdk: v.sdk, emulator: v.emulator, pageUrl: v.server.url, opts: { ...opts, oursConfig: v.config }, log,
        condition,
      });
      v.samples.push(s);
      const line = Object.entries(METRICS).map(([k, f]) => `${k} ${f(s)?.toFixed(1) ?? "?"}`).join(", ");
      const errors = [s.startUpload?.errors, s.startOnly?.errors, s.burst?.errors, s.cycles?.errors].flat().filter(Boolean);
      log(`run ${run + 1}/${opts.runs} ${v.name}: ${line}${errors.length ? ` errors: ${errors.slice(0, 3).join("; ")}` : ""}`);
    }
  }
} finally {
  await browser.close();
  for (const s of servers) await s.close();
  for (const v of variants) await v.emulator.stop();
}
const median = (xs) => {
  const a = xs.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((p, q) => p - q);
  if (!a.length) return null;
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
};
console.log(`\nmedians (n=${opts.runs} each; burst ${opts.burst}, cycles ${opts.cycles}, upload ${opts.uploadSeconds} s)`);
console.log("metric".padEnd(22) + variants.map((v) => v.name.padStart(12)).join(""));
for (const [k, f] of Object.entries(METRICS)) {
  console.log(k.padEnd(22) + variants.map((v) => (median(v.samples.map(f))?.toFixed(1) ?? "—").padStart(12)).join(""));
}
