// The API key travels only in the Authorization header and the results socket's first
// message: never in a URL, a console line (debug logs included) or an error.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor } from "./harness.mjs";

const GOOD = "sk-LEAKCHECK-good-7f3a";
const BAD = "sk-LEAKCHECK-bad-91c2";
let emulator, browser, page;
const consoleLines = [];
const urls = [];
const socketFrames = [];

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ ttl: 2, www: join(ROOT, "tests/e2e/www"), pkg: pkgDir, extraArgs: ["--api-key", GOOD] });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await browser.newPage();
  page.on("console", (m) => consoleLines.push(m.text()));
  page.on("pageerror", (e) => consoleLines.push(String(e)));
  page.on("request", (r) => urls.push(r.url()));
  page.on("websocket", (ws) => {
    urls.push(ws.url());
    ws.on("framesent", (f) => socketFrames.push(String(f.payload)));
  });
  await page.goto(emulator.url + "/");
  await page.waitForFunction(() => window.sdkReady === true);
});

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

test("the key appears in no URL, console line or error; only in the socket's first message", async () => {
  const errorTexts = await page.evaluate(async ({ good, bad }) => {
    const texts = [];
    const keep = (e) => texts.push(`${e.name} ${e.message} ${JSON.stringify(e)} ${e.stack}`);
    // Its errors go to `keep` (their whole text), not to the recorder.
    const s = window.recordSession({ apiKey: good, debug: true, onError: keep });
    await s.vision.start();
    await s.untilResults(2);
    await new Promise((r) => setTimeout(r, 1500)); // a keepalive (TTL 2 s), logged in debug
    await s.vision.updatePrompt("q");
    await s.vision.stop();

    const rejected = new window.sdk.RealtimeVision({ apiKey: bad, apiUrl: location.origin, prompt: "p", debug: true, onResult: () => {} });
    await rejected.start().catch(keep);
    const client = new window.sdk.StreamClient({ apiKey: bad, apiUrl: location.origin });
    await client.getModels().catch(keep);
    await client.renewLease("nope").catch(keep);
    try { new window.sdk.RealtimeVision({ apiKey: bad, apiUrl: "ftp://x", prompt: "p", onResult: () => {} }); } catch (e) { keep(e); }
    return texts;
  }, { good: GOOD, bad: BAD });

  assert.ok(errorTexts.length >= 4, JSON.stringify(errorTexts));
  assert.ok(consoleLines.some((l) => l.includes("[overshoot-wasm]")), "debug logging was on");
  for (const key of [GOOD, BAD]) {
    for (const line of consoleLines) assert.ok(!line.includes(key), `console: ${line}`);
    for (const url of urls) assert.ok(!url.includes(key), `url: ${url}`);
    for (const text of errorTexts) assert.ok(!text.includes(key), `error: ${text}`);
  }
  // The socket's first message is the one place besides the header.
  assert.ok(socketFrames.some((f) => f === JSON.stringify({ api_key: GOOD })), JSON.stringify(socketFrames));
});

test("http:// base URLs are refused except for loopback, unless the app opts in", async () => {
  const outcome = await page.evaluate(() => {
    const make = (apiUrl, allowInsecureHttp) => {
      try {
        new window.sdk.StreamClient({ apiKey: "k", apiUrl, allowInsecureHttp });
        return "ok";
      } catch (e) {
        return e.name;
      }
    };
    return [make("http://api.example.com/v1"), make("http://api.example.com/v1", true), make("http://localhost:9/v1"), make("https://api.example.com/v1")];
  });
  assert.deepEqual(outcome, ["ValidationError", "ok", "ok", "ok"]);
});
