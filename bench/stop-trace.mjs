// Where stop() spends its time: alternating runs of both packages, each start() then
// stop() timed in the page, with the network events of the stop (Playwright's
// request timing, so the CORS preflight and the DELETE show apart). Diagnostic only.
//
//   node bench/stop-trace.mjs [--runs 10] [--pkg dir | --variant name=dir ...]
// With --variant (A/B of builds), each variant and the npm SDK take turns.
import { parseArgs } from "node:util";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { OUT, KEY, startEmulator, launchChromium } from "../tests/e2e/harness.mjs";
import { serveStatic, texturedY4m, copyPublishedPkg } from "./lib/serve.mjs";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "10" },
    pkg: { type: "string", default: "pkg" },
    variant: { type: "string", multiple: true, default: [] },
  },
});
const ROOT = resolve(import.meta.dirname, "..");
const work = join(OUT, "bench");
mkdirSync(work, { recursive: true });
const pkg = values.pkg === "pkg" ? await copyPublishedPkg(ROOT, join(work, "pkg-stop-trace")) : resolve(values.pkg);
const variants = values.variant.length
  ? values.variant.map((v) => ({ name: v.slice(0, v.indexOf("=")), dir: resolve(v.slice(v.indexOf("=") + 1)) }))
  : [{ name: "ours", dir: pkg }];
const contenders = [...variants, { name: "theirs", dir: null }];
for (const c of contenders) {
  c.server = await serveStatic(c.dir
    ? { "/pkg/": c.dir, "/": join(ROOT, "bench/www") }
    : { "/sdk/": join(ROOT, "node_modules/@overshoot/sdk/dist"), "/": join(ROOT, "bench/www") });
}
const emulator = await startEmulator({ ttl: 6, extraArgs: ["--max-streams-per-key", "1000"] });
const browser = await launchChromium(texturedY4m(work));

const samples = Object.fromEntries(contenders.map((c) => [c.name, []]));
for (let run = 0; run < Number(values.runs) * contenders.length; run++) {
  const contender = contenders[run % contenders.length];
  const [sdk, server] = [contender.dir ? "ours" : "theirs", contender.server];
  const context = await browser.newContext();
  const page = await context.newPage();
  const query = new URLSearchParams({ sdk, api: emulator.url, key: KEY });
  await page.goto(`${server.url}/page.html?${query}`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 20000 });
  const requests = [];
  page.on("requestfinished", (r) => requests.push(r));
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const events = [];
  for (const name of ["Network.requestWillBeSent", "Network.responseReceived", "Network.loadingFinished"]) {
    cdp.on(name, (e) => events.push([e.timestamp, name.slice(8), e.type ?? "", e.request?.method ?? "", (e.request?.url ?? e.response?.url ?? "").replace(/^.*\/\/[^/]+/, ""), e.requestId]));
  }
  const t = await page.evaluate(async () => {
    const started = await window.bench.start();
    const s0 = performance.now();
    await window.bench.stop();
    const s1 = performance.now();
    // A second cycle, as the bench's cycles run them (warm connection, warm code).
    const again = await window.bench.start();
    const s2 = performance.now();
    await window.bench.stop();
    const s3 = performance.now();
    // Ten more, as the bench's cycle row runs them: medians of each half.
    const starts = [], stops = [];
    for (let i = 0; i < 10; i++) {
      const c = await window.bench.start();
      const c1 = performance.now();
      await window.bench.stop();
      starts.push(c.resolvedAt - c.t0);
      stops.push(performance.now() - c1);
    }
    const mid = (xs) => xs.sort((a, b) => a - b)[5];
    return { resolved: started.resolvedAt - started.t0, stopped: s1 - s0, resolved2: again.resolvedAt - again.t0, stopped2: s3 - s2, cycle2: s3 - again.t0, cycStart: mid(starts), cycStop: mid(stops) };
  });
  t.net = requests.map((r) => `${r.method()} ${r.url().replace(/^.*\/\/[^/]+/, "").replace(/[0-9a-z-]{20,}/g, ":id")} ${JSON.stringify(r.timing())}`);
  if (events.length) { const e0 = events[0][0]; t.cdp = events.map((e) => `${((e[0] - e0) * 1000).toFixed(1)} ${e.slice(1).join(" ")}`); }
  if (run >= contenders.length) samples[contender.name].push(t);
  await context.close();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [sdk, runs] of Object.entries(samples)) {
  const m = (k) => median(runs.map((r) => r[k])).toFixed(1);
  console.log(`${sdk} (n=${runs.length}): start ${m("resolved")} ms, stop ${m("stopped")} ms; second cycle: start ${m("resolved2")}, stop ${m("stopped2")}, cycle ${m("cycle2")}; 10 more cycles (median of medians): start ${m("cycStart")}, stop ${m("cycStop")}`);
  if (process.env.NET) for (const line of runs.at(-1).net) console.log("   ", line);
  if (process.env.CDP) for (const line of runs.at(-1).cdp ?? []) console.log("   ", line);
}
await browser.close();
await emulator.stop?.();
for (const c of contenders) await c.server.close();
process.exit(0);
