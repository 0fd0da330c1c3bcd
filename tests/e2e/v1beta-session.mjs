// Shared set-up of the v1beta package tests (v1beta.test.mjs, v1beta-errors.test.mjs):
// one emulator with short LiveKit tokens and leases, one Chromium page with the fake red
// camera and the real livekit-client, and the page-side helpers the tests call.
import { before, after } from "node:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, launchChromium } from "./harness.mjs";

/** The running emulator, browser and page, set by `useV1betaPage()`'s `before`. */
export const ctx = { emulator: null, browser: null, page: null };
/** Lifetime of the emulator's LiveKit tokens: short, so a rejoin with the first one fails. */
export const TOKEN_TTL = 3;
/** The v1beta lease: renewed every ttl/3 = 2 s, each renewal with a fresh publish token. */
export const LEASE_TTL = 6;
export const RED = /^red: mean RGB \(2\d\d, \d{1,2}, \d{1,2}\) over (\d+) frames? at \d+x\d+$/;

export const post = (path, body) => fetch(ctx.emulator.url + path, {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}),
}).then((r) => r.json());
export const v1Streams = async () => (await (await fetch(ctx.emulator.url + "/__emulator/v1beta/streams")).json()).streams;
export const inPage = (fn, arg) => ctx.page.evaluate(fn, arg);
export const faults = (f) => post("/__emulator/v1beta/faults", { api_key: KEY, ...f });

/** Starts a v1beta session in the page (`window.current`), recording partials too. */
export function session(options = {}) {
  return ctx.page.evaluate(async (options) => {
    const partials = [];
    const resultTimes = [];
    const s = window.recordSession({
      apiUrl: location.origin + "/v1beta",
      livekitClient: () => import("/vendor/livekit-client.mjs"),
      clipProcessing: { target_fps: 6, clip_length_seconds: 1, delay_seconds: 0.5 },
      onResult: (r) => {
        window.current.results.push(r);
        resultTimes.push(Date.now());
      },
      ...(options.stream ? { stream: true, onPartial: (p) => partials.push({ ...p, at: Date.now() }) } : {}),
      ...options.config,
    });
    s.partials = partials;
    s.resultTimes = resultTimes;
    const started = await s.tryStart();
    return { started, startError: s.startError };
  }, options);
}

/** The page's current session: stopped, and its results. */
export const stopCurrent = () => inPage(async () => {
  await window.current.vision.stop();
  return window.current.states;
});

/** ask() in the page; a rejection comes back as `{error: {name, code, status, message}}`. */
export const ask = (question, options) => inPage(async ({ question, options }) => {
  try {
    const r = await window.current.vision.ask(question, options);
    return { result: { ...r, json: undefined }, parsed: (() => { try { return r.json(); } catch { return null; } })() };
  } catch (e) {
    return { error: { name: e.name, code: e.code, status: e.status, message: e.message, instance: e instanceof window.sdk.OvershootError } };
  }
}, { question, options });

/** Registers the file's `before`/`after`: emulator, browser and page up, then down. */
export function useV1betaPage() {
before(async () => {
  const { pkgDir } = packedPackage();
  ctx.emulator = await startEmulator({
    www: join(ROOT, "tests/e2e/www"), pkg: pkgDir,
    extraArgs: ["--livekit-token-ttl", String(TOKEN_TTL), "--v1beta-ttl", String(LEASE_TTL)],
  });
  ctx.browser = await launchChromium(solidY4m([230, 20, 20]));
  ctx.page = await ctx.browser.newPage();
  ctx.page.on("console", (m) => { if (process.env.LK_DEBUG) console.log("page:", m.text()); });
  await ctx.page.route("**/vendor/livekit-client.mjs", (route) => route.fulfill({
    body: readFileSync(join(ROOT, "node_modules/livekit-client/dist/livekit-client.esm.mjs")),
    contentType: "text/javascript",
  }));
  await ctx.page.goto(ctx.emulator.url + "/?entry=v1beta"); // overshoot-wasm/v1beta
  await ctx.page.waitForFunction(() => window.sdkReady === true);
}, { timeout: 60_000 });

after(async () => {
  await ctx.browser?.close();
  await ctx.emulator?.stop();
  if (process.env.LK_DEBUG) console.log(ctx.emulator?.log());
});
}
