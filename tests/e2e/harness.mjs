// Shared plumbing of the end-to-end tests: the emulator process, a generated Y4M for
// Chromium's fake camera, the packed npm package, and a headless Chromium.
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { get as httpsGet } from "node:https";
import { chromium } from "playwright-core";

export const ROOT = resolve(import.meta.dirname, "../..");
export const OUT = join(ROOT, "test-output");
export const KEY = "emulator-key";

/** A solid-colour 4:2:0 Y4M clip (BT.601 limited range), written once per colour. */
export function solidY4m([r, g, b], { width = 640, height = 480, frames = 30 } = {}) {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `solid-${r}-${g}-${b}-${width}x${height}.y4m`);
  if (existsSync(file)) return file;
  const y = Math.round(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255);
  const u = Math.round(128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255);
  const v = Math.round(128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`);
  const plane = width * height;
  const frame = Buffer.alloc(6 + plane + plane / 2);
  frame.write("FRAME\n");
  frame.fill(y, 6, 6 + plane);
  frame.fill(u, 6 + plane, 6 + plane + plane / 4);
  frame.fill(v, 6 + plane + plane / 4);
  writeFileSync(file, Buffer.concat([header, ...Array(frames).fill(frame)]));
  return file;
}

/** Packs the npm package (as `npm pack` would publish it) and unpacks it for serving. */
export function packedPackage() {
  // A folder of its own per call: concurrent runs must not pull /pkg/ from under each other.
  mkdirSync(OUT, { recursive: true });
  const dir = mkdtempSync(join(OUT, "packed-"));
  const name = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8" }).trim().split("\n").pop();
  execFileSync("tar", ["-xzf", join(dir, name), "-C", dir]);
  return { tarball: join(dir, name), pkgDir: join(dir, "package", "pkg") };
}

/** GET `url` as JSON; over https the emulator's self-signed certificate (`--tls`) is accepted. */
async function getJson(url) {
  if (!url.startsWith("https:")) return (await fetch(url)).json();
  return new Promise((ok, fail) => {
    httpsGet(url, { rejectUnauthorized: false }, (res) => {
      let body = "";
      res.on("data", (d) => { body += d; });
      res.on("end", () => { try { ok(JSON.parse(body)); } catch (e) { fail(e); } });
    }).on("error", fail);
  });
}

/** Starts the emulator on a free port; resolves with its URL and a stop function.
 * `networkDelayMs` and `tls` map to `--network-delay-ms` and `--tls`. */
export async function startEmulator({ ttl = 30, www, pkg, extraArgs = [], networkDelayMs = 0, tls = false } = {}) {
  const bin = join(ROOT, "target", "debug", "overshoot-emulator");
  const args = ["--port", "0", "--ttl", String(ttl), ...extraArgs];
  if (www) args.push("--www", www);
  if (pkg) args.push("--pkg", pkg);
  if (networkDelayMs) args.push("--network-delay-ms", String(networkDelayMs));
  if (tls) args.push("--tls");
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => { log += d; });
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`emulator did not start:\n${log}`)), 20000);
    child.stdout.on("data", (d) => {
      const m = /listening on (https?:\/\/\S+)/.exec(String(d));
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    child.on("exit", (code) => fail(new Error(`emulator exited with ${code}:\n${log}`)));
  });
  return {
    url,
    log: () => log,
    async streams() {
      return getJson(`${url}/__emulator/streams`);
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((ok) => (child.exitCode !== null ? ok() : child.on("exit", ok)));
    },
  };
}

/** What a failed start left at the emulator, read right after start() rejected. `mark` is
 * `emulator.streams()` from before the start. A source that fails while the stream is
 * being created (the start-up overlap) leaves a stream that the package DELETEs before
 * start() rejects: `open` must be 0 and each of `ended` (the end reason of every stream
 * ended since `mark`) "client_requested". */
export async function afterFailedStart(emulator, mark) {
  const { open, ended } = await emulator.streams();
  const known = new Set(mark.ended.map((s) => s.stream_id));
  return { open: open.length, ended: ended.filter((s) => !known.has(s.stream_id)).map((s) => s.end_reason) };
}

/** Headless Debian Chromium with a fake camera that plays `y4m`; with
 * `acceptSelfSigned` it accepts the emulator's `--tls` certificate. */
export async function launchChromium(y4m, { acceptSelfSigned = false } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "ow-chromium-"));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-video-capture=${y4m}`, `--user-data-dir=${profile}`,
      ...(acceptSelfSigned ? ["--ignore-certificate-errors"] : []),
    ].filter((a) => !a.startsWith("--user-data-dir")),
  });
  return browser;
}

/**
 * Headless Debian Chromium whose pages can really be hidden (`document.visibilityState`
 * "hidden", with Chromium's hidden-page timer throttling). `launchChromium` cannot do that:
 * Playwright launches with `--disable-background-timer-throttling`,
 * `--disable-renderer-backgrounding` and `--disable-backgrounding-occluded-windows`, and it
 * turns on `Emulation.setFocusEmulationEnabled` for every page, which keeps a page
 * "visible" even in a minimized window or behind another tab. So this starts Chromium
 * itself (none of those switches) and attaches with `connectOverCDP({noDefaults: true})`,
 * which leaves the default context's pages without focus emulation: pages made with
 * `context.newPage()` there can be hidden with `setPageHidden`. `close()` kills the
 * browser and removes its profile.
 */
export async function launchHideableChromium(y4m, { extraArgs = [] } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "ow-chromium-"));
  const child = spawn(process.env.CHROMIUM || "/usr/bin/chromium", [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
    `--use-file-for-fake-video-capture=${y4m}`, `--user-data-dir=${profile}`,
    "--remote-debugging-port=0", ...extraArgs, "about:blank",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  const endpoint = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`chromium did not start:\n${log}`)), 20000);
    child.stderr.on("data", (d) => {
      log += d;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(log);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    child.on("exit", (code) => fail(new Error(`chromium exited with ${code}:\n${log}`)));
  });
  const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true, isLocal: true });
  return {
    browser,
    /** The default context: its pages have no focus emulation, so they can be hidden. */
    context: browser.contexts()[0],
    async close() {
      await browser.close().catch(() => {});
      if (child.exitCode === null) {
        const exited = new Promise((ok) => child.on("exit", ok));
        child.kill("SIGTERM");
        await exited;
      }
      // Helper processes may still be writing for a moment: retry, then leave it to tmp.
      try {
        rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
      } catch {}
    },
  };
}

/**
 * Hides or shows a page of `launchHideableChromium` by minimizing or restoring its
 * window (CDP `Browser.setWindowBounds`); resolves once `document.visibilityState` agrees.
 */
export async function setPageHidden(page, hidden) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { windowId } = await cdp.send("Browser.getWindowForTarget");
    await cdp.send("Browser.setWindowBounds", { windowId, bounds: { windowState: hidden ? "minimized" : "normal" } });
  } finally {
    await cdp.detach().catch(() => {});
  }
  const want = hidden ? "hidden" : "visible";
  await waitFor(() => page.evaluate((w) => document.visibilityState === w, want), 5000, `visibilityState ${want}`);
}

/** Polls `check` until it returns a truthy value or `ms` pass. */
export async function waitFor(check, ms = 15000, what = "condition") {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A new page on `url` with the packed package loaded (`window.sdk`); `init`, if given,
 * runs in the page before it (`page.addInitScript`). */
export async function openSdkPage(browser, url, init) {
  const page = await browser.newPage();
  if (init) await page.addInitScript(init);
  await page.goto(url + "/");
  await page.waitForFunction(() => window.sdkReady === true);
  return page;
}

/** Puts a real send-only video offer from the fake camera in `window.offerSdp`. */
export async function recordOffer(page) {
  await page.evaluate(async () => {
    const media = await navigator.mediaDevices.getUserMedia({ video: true });
    const pc = new RTCPeerConnection();
    pc.addTransceiver(media.getVideoTracks()[0], { direction: "sendonly" });
    window.offerSdp = (await pc.createOffer()).sdp;
    pc.close();
    media.getTracks().forEach((t) => t.stop());
  });
}

/** The token secret the gateway tests share (≥ 32 bytes). */
export const GATEWAY_SECRET = "e2e-gateway-secret-0123456789abcdef";

/**
 * Starts `overshoot-gateway serve` on a free port in front of `upstream`, with the
 * emulator's key in `OVERSHOOT_API_KEY`; resolves with its URL, its log (JSON lines),
 * `mint(sub, ttlSeconds)` (the binary's `mint`), `signal(name)` and `stop()`.
 */
export async function startGateway({ upstream, key = KEY, secret = GATEWAY_SECRET, extraArgs = [] } = {}) {
  const bin = join(ROOT, "target", "debug", "overshoot-gateway");
  const env = { ...process.env, OVERSHOOT_API_KEY: key, GATEWAY_TOKEN_SECRET: secret };
  const child = spawn(bin, ["serve", "--upstream", upstream, "--listen", "127.0.0.1:0", ...extraArgs], { env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => { log += d; });
  const exited = new Promise((ok) => child.on("exit", (code, signal) => ok({ code, signal })));
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`gateway did not start:\n${log}`)), 20000);
    child.stdout.on("data", (d) => {
      const m = /listening on (http:\/\/\S+)/.exec(String(d));
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    exited.then(({ code }) => fail(new Error(`gateway exited with ${code}:\n${log}`)));
  });
  return {
    url,
    log: () => log,
    exited,
    mint(sub, ttlSeconds = 600) {
      return execFileSync(bin, ["mint", "--sub", sub, "--ttl-seconds", String(ttlSeconds)], { env, encoding: "utf8" }).trim();
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Starts Debian's `redis-server` on a free port (no persistence); resolves with its URL and `stop()`. */
export async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "ow-redis-"));
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => { log += d; });
  await waitFor(() => /Ready to accept connections/.test(log) || child.exitCode !== null, 10000, "redis-server");
  if (child.exitCode !== null) throw new Error(`redis-server exited:\n${log}`);
  return {
    url: `redis://127.0.0.1:${port}/`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((ok) => child.on("exit", ok));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP port nobody listens on right now. */
export async function freePort() {
  const { createServer } = await import("node:net");
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}
