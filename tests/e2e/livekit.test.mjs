// Both LiveKit transports against the emulator's own LiveKit server, with the real
// livekit-client (npm) in headless Chromium: the frames livekit-client publishes are
// decoded by the emulator (str0m, VP8/H.264) and come back as results, exactly as over
// the WebRTC transport. A test double of livekit-client's `Room` is kept only for what
// the emulator cannot produce (see README "What the LiveKit tests prove").
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor } from "./harness.mjs";

/** Lifetime of the emulator's LiveKit tokens here: short, so a rejoin with a stale one fails. */
const TOKEN_TTL = 3;
let emulator, browser, page;

function session(options) {
  return page.evaluate(async ({ key, options }) => {
    const config = { apiKey: key, ...options };
    if (options.livekitClient === "real") config.livekitClient = () => import("/vendor/livekit-client.mjs");
    if (options.livekitClient === "double") config.livekitClient = () => Promise.resolve(window.roomDouble);
    const s = window.recordSession(config);
    const started = await s.tryStart();
    return { started, startError: s.startError };
  }, { key: KEY, options });
}

const current = (fn, arg) => page.evaluate(fn, arg);
const post = (path, body) => fetch(emulator.url + path, {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}),
}).then((r) => r.json());
const openStream = async () => (await emulator.streams()).open[0];

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({
    ttl: 2, www: join(ROOT, "tests/e2e/www"), pkg: pkgDir,
    extraArgs: ["--livekit-token-ttl", String(TOKEN_TTL)],
  });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await browser.newPage();
  page.on("console", (m) => { if (process.env.LK_DEBUG) console.log("page:", m.text()); });
  await page.route("**/vendor/livekit-client.mjs", (route) => route.fulfill({
    body: readFileSync(join(ROOT, "node_modules/livekit-client/dist/livekit-client.esm.mjs")),
    contentType: "text/javascript",
  }));
  await page.goto(emulator.url + "/");
  await page.waitForFunction(() => window.sdkReady === true);
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  await emulator?.stop();
  if (process.env.LK_DEBUG) console.log(emulator?.log());
});

test("native transport with the real livekit-client: the emulator decodes the published camera and results report red", { timeout: 90_000 }, async () => {
  const started = await session({ transport: "livekit", livekitClient: "real" });
  assert.deepEqual(started, { started: true, startError: undefined });
  const open = await openStream();
  assert.equal(open.transport, "native");
  assert.equal(open.room, open.stream_id);
  await current(() => window.current.untilResults(3, 30000));
  const results = await current(() => window.current.results.map((r) => r.result));
  for (const r of results) assert.match(r, /^red: mean RGB \(2\d\d, \d{1,2}, \d{1,2}\) over \d+ frames at \d+x\d+$/, r);
  const now = await openStream();
  assert.ok(now.frames_decoded >= 10, JSON.stringify(now));
  assert.equal(now.codec, "VP8", "livekit-client publishes VP8 by default");
  await current(() => window.current.vision.stop());
  const after = await emulator.streams();
  assert.equal(after.open.length, 0);
  assert.equal(after.ended.at(-1).end_reason, "client_requested");
});
