// The package in v1beta mode through overshoot-gateway (a page on another origin, a
// per-user token as `apiKey`, the API key only in the gateway): the red camera is
// published into the room the create answer names, periodic and asked questions come
// back red (streamed answers relayed as they arrive), and stop() leaves nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, solidY4m, packedPackage, startEmulator, startGateway, launchChromium } from "./harness.mjs";

const SECRET_KEY = "ovs_e2e_v1beta_package_5d1f";
const RED = /^red: mean RGB \(2\d\d, \d{1,2}, \d{1,2}\) over (\d+) frames at \d+x\d+$/;
let emulator, gateway, browser, page;

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ www: join(ROOT, "tests/e2e/www"), pkg: pkgDir, extraArgs: ["--api-key", SECRET_KEY] });
  gateway = await startGateway({
    upstream: emulator.url, key: SECRET_KEY,
    extraArgs: ["--allow-origin", emulator.url, "--allow-model", "Qwen/Qwen3.5-9B"],
  });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await browser.newPage();
  page.on("console", (m) => { if (process.env.LK_DEBUG) console.log("page:", m.text()); });
  await page.route("**/vendor/livekit-client.mjs", (route) => route.fulfill({
    body: readFileSync(join(ROOT, "node_modules/livekit-client/dist/livekit-client.esm.mjs")),
    contentType: "text/javascript",
  }));
  await page.goto(emulator.url + "/?entry=v1beta"); // overshoot-wasm/v1beta
  await page.waitForFunction(() => window.sdkReady === true);
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  await gateway?.stop();
  await emulator?.stop();
});

test("through the gateway with a user token: red answers, ask() streamed, getStatus(), stop() deletes; the key never reaches the page", { timeout: 90_000 }, async () => {
  const token = gateway.mint("alice");
  const outcome = await page.evaluate(async ({ api, token }) => {
    const partials = [];
    const s = window.recordSession({
      apiKey: () => token,
      apiUrl: api,
      livekitClient: () => import("/vendor/livekit-client.mjs"),
      frameProcessing: { interval_seconds: 0.5 },
    });
    if (!(await s.tryStart())) return { startError: s.startError };
    await s.untilResults(2, 30000);
    const asked = await s.vision.ask("What colour?", { clipSeconds: 1, onPartial: (p) => partials.push(p.result) });
    const status = await s.vision.getStatus();
    const id = s.vision.getStreamId();
    await s.vision.stop();
    return { results: s.results.map((r) => r.result), asked: asked.result, partials, status, id, states: s.states, errors: s.errors };
  }, { api: gateway.url + "/v1beta", token });
  assert.equal(outcome.startError, undefined, JSON.stringify(outcome.startError));
  for (const r of outcome.results) assert.match(r, RED);
  assert.match(outcome.asked, RED);
  assert.ok(outcome.partials.length >= 3 && outcome.partials.at(-1) === outcome.asked, JSON.stringify(outcome.partials));
  assert.equal(outcome.status.id, outcome.id);
  assert.deepEqual(outcome.errors, []);
  assert.deepEqual(outcome.states.slice(-2), ["stopping", "stopped"]);
  const streams = (await (await fetch(`${emulator.url}/__emulator/v1beta/streams`)).json()).streams;
  assert.equal(streams.find((s) => s.id === outcome.id).status.end_reason, "deleted");
  assert.ok(!JSON.stringify(outcome).includes(SECRET_KEY));
  const lines = gateway.log().trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(lines.some((l) => l.call === "chat" && l.user === "alice" && l.stream === outcome.id && l.status === 200), "questions went through the gateway");
});
