// `npm run bench`: overshoot-wasm against Overshoot's npm SDK (@overshoot/sdk) in
// headless Chromium, against the local emulator, alternating runs. Writes
// BENCHMARKS.md and bench/results.json (unless --no-write). Not part of `npm test`.
//
//   node bench/run.mjs [--runs 15] [--burst 10000] [--cycles 50] [--upload-seconds 20]
//                      [--ours-config JSON] [--no-write] [--report-only]
// --ours-config merges extra keys into our package's config only (trials, e.g. '{"video":false}').
// --report-only re-renders BENCHMARKS.md from the sessions in bench/results.json.
//
// Each run also measures start-up under the network/camera conditions of
// lib/scenarios.mjs CONDITIONS (emulators with --network-delay-ms and --tls, a camera
// warm-up init script), one start per package and condition.
//
// Needs `npm run build` (pkg/) and `cargo build -p overshoot-emulator` first.
import { parseArgs } from "node:util";
import { existsSync, mkdirSync, statSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ROOT, OUT, startEmulator, launchChromium } from "../tests/e2e/harness.mjs";
import { copyPublishedPkg, serveStatic, texturedY4m } from "./lib/serve.mjs";
import { runSession, CONDITIONS } from "./lib/scenarios.mjs";
import { summarize, downloadSizes, machine, targets, writeOutputs, ROWS } from "./lib/report.mjs";

const USAGE = "node bench/run.mjs [--runs N] [--burst N] [--cycles N] [--upload-seconds S] [--ours-config JSON] [--no-write] [--report-only]";
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "15" },
    burst: { type: "string", default: "10000" },
    cycles: { type: "string", default: "50" },
    "upload-seconds": { type: "string", default: "20" },
    "ours-config": { type: "string", default: "" },
    "no-write": { type: "boolean", default: false },
    "report-only": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const positive = (name) => {
  const n = Number(values[name]);
  if (!(n > 0)) throw new Error(`--${name} must be a positive number (got ${values[name]})`);
  return n;
};
const opts = {
  runs: Math.round(positive("runs")),
  burst: Math.round(positive("burst")),
  cycles: Math.round(positive("cycles")),
  uploadSeconds: positive("upload-seconds"),
  oursConfig: values["ours-config"] ? JSON.stringify(JSON.parse(values["ours-config"])) : undefined,
};
const JSON_PATH = join(ROOT, "bench/results.json");
const SDK_DIST = join(ROOT, "node_modules/@overshoot/sdk/dist");
const began = Date.now();
const log = (msg) => console.log(`[bench ${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
const git = (...args) => {
  try {
    return execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return null;
  }
};

/** Runs every session; resolves with {sessions, download, meta}. */
async function measure() {
  for (const [file, hint] of [
    [join(ROOT, "target/debug/overshoot-emulator"), "cargo build -p overshoot-emulator"],
    [join(ROOT, "pkg/index.js"), "npm run build"],
    [join(SDK_DIST, "index.mjs"), "npm install"],
  ]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`${hint}\` first`);
  }
  const work = join(OUT, "bench");
  mkdirSync(work, { recursive: true });
  const pkgBuilt = statSync(join(ROOT, "pkg/overshoot_wasm_bg.wasm")).mtime;
  const pkgCopy = await copyPublishedPkg(ROOT, join(work, "pkg"));
  const y4m = texturedY4m(work);
  // One emulator per package, same flags but the stream cap: the npm SDK never DELETEs,
  // so its streams pile up until their 6 s leases expire.
  const emulators = {
    ours: await startEmulator({ ttl: 6, extraArgs: ["--max-streams-per-key", "50"] }),
    theirs: await startEmulator({ ttl: 6, extraArgs: ["--max-streams-per-key", "1000"] }),
  };
  // The start-up conditions: per condition and package, an emulator with the network
  // delay over TLS (the loopback one above stays plain HTTP, as in earlier runs).
  const delayed = {};
  for (const c of CONDITIONS) {
    for (const sdk of ["ours", "theirs"]) {
      delayed[`${c.id}/${sdk}`] = await startEmulator({
        ttl: 6, networkDelayMs: c.delayMs, tls: true,
        extraArgs: ["--max-streams-per-key", sdk === "ours" ? "50" : "1000"],
      });
    }
  }
  const server = await serveStatic({ "/pkg/": pkgCopy, "/sdk/": SDK_DIST, "/": join(ROOT, "bench/www") });
  const browser = await launchChromium(y4m, { acceptSelfSigned: true });
  const sessions = [];
  try {
    log(`Chromium ${browser.version()}; ${JSON.stringify(opts)}`);
    for (let run = 0; run < opts.runs; run++) {
      const order = run % 2 === 0 ? ["ours", "theirs"] : ["theirs", "ours"];
      for (const sdk of order) {
        const session = await runSession({ browser, sdk, emulator: emulators[sdk], pageUrl: server.url, opts, log });
        session.run = run;
        sessions.push(session);
        logSession(run, session);
      }
      for (const condition of CONDITIONS) {
        for (const sdk of order) {
          const emulator = delayed[`${condition.id}/${sdk}`];
          const session = await runSession({ browser, sdk, emulator, pageUrl: server.url, opts, log, condition });
          session.run = run;
          sessions.push(session);
          const s = session.startOnly;
          log(`run ${run + 1}/${opts.runs} ${sdk.padEnd(6)} ${condition.id}: start() ${s?.resolveMs?.toFixed(0) ?? "?"} ms, ` +
            `first frame ${s?.firstFrameMs?.toFixed(0) ?? "?"} ms, first result ${s?.firstResultMs?.toFixed(0) ?? "?"} ms`);
        }
      }
    }
  } finally {
    await browser.close();
    await server.close();
    for (const e of [...Object.values(emulators), ...Object.values(delayed)]) await e.stop();
  }
  const download = downloadSizes(sessions, (p) => (p.startsWith("/pkg/") ? join(pkgCopy, p.slice(5)) : join(SDK_DIST, p.slice(5))));
  const dirty = Boolean(git("status", "--porcelain", "--", "src", "js", "protocol", "Cargo.toml"));
  const meta = {
    machine: machine(browser.version()),
    options: opts,
    emulator: "target/debug/overshoot-emulator --ttl 6",
    conditions: CONDITIONS,
    source: { commit: git("rev-parse", "--short", "HEAD"), dirty, pkgBuilt: pkgBuilt.toISOString() },
  };
  return { sessions, download, meta };
}

function logSession(run, session) {
  const s = session.startUpload?.start;
  const u = session.startUpload?.upload;
  const b = session.burst;
  const f = (x, d = 0) => (typeof x === "number" ? x.toFixed(d) : "?");
  log(`run ${run + 1}/${opts.runs} ${session.sdk.padEnd(6)} first frame ${f(s?.firstFrameMs)} ms, ` +
    `first result ${f(s?.firstResultMs)} ms, upload ${f(u && u.bytesPerSec / 1024, 1)} KB/s ` +
    `(${f(u?.sentFps, 1)} fps sent, ${f(u?.decodedFps, 1)} decoded), burst ${f(b?.spanMs)} ms ` +
    `${f(b?.taskUsPerResult, 1)} µs/result, cycles heap +${f(session.cycles?.heapGrowth / 1024)} KB`);
}

const { sessions, download, meta } = values["report-only"] ? JSON.parse(readFileSync(JSON_PATH, "utf8")) : await measure();
const summary = summarize(sessions);
const targetRows = targets(summary, download);
for (const r of summary) {
  const fmt = ROWS.find((x) => x[0] === r.id)[4];
  const f = (x) => (x === null ? "—" : fmt(x));
  console.log(`${r.label.padEnd(72)} ${f(r.ours).padStart(9)} ${f(r.theirs).padStart(9)} ${r.unit.padEnd(5)} ${r.ratio === null ? "" : r.ratio.toFixed(2) + "×"}`);
}
console.log(`download gzip -9: ours ${download.ours.gzip9} B, theirs ${download.theirs.gzip9} B`);
for (const t of targetRows) console.log(`target: ${t.target}: ${t.measured} (${t.status})`);
if (!values["no-write"]) {
  writeOutputs({ jsonPath: JSON_PATH, mdPath: join(ROOT, "BENCHMARKS.md"), meta, summary, download, sessions, targetRows });
  log("wrote BENCHMARKS.md and bench/results.json");
}
