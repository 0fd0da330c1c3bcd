// apiKey as a function: the page asks the app's backend (here: the gateway's `mint`,
// exposed to the page) for short-lived tokens, and a session outlives any one token.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, startGateway, launchChromium, openSdkPage } from "./harness.mjs";

let emulator, gateway, browser, page;

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ ttl: 2, www: join(ROOT, "tests/e2e/www"), pkg: pkgDir });
  gateway = await startGateway({ upstream: emulator.url, key: KEY, extraArgs: ["--allow-origin", emulator.url] });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await openSdkPage(browser, emulator.url);
  // The app's token endpoint: returns a Promise in the page, as a fetch would.
  await page.exposeFunction("fetchToken", (sub, ttl) => gateway.mint(sub, ttl));
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
  await emulator?.stop();
});

test("apiKey as a function is called again after a 401 and the session goes on", async () => {
  const outcome = await page.evaluate(async ({ url }) => {
    const calls = [];
    const c = window.recordSession({
      apiUrl: url,
      apiKey: async () => {
        calls.push(Date.now());
        // The first token is refused (401), as an expired one would be.
        return calls.length === 1 ? "expired.or.revoked" : await window.fetchToken("kim", 600);
      },
    });
    await c.vision.start();
    await c.untilResults(3);
    const out = { calls: calls.length, results: c.results.length, errors: c.errors, id: c.vision.getStreamId() };
    await c.vision.stop();
    return out;
  }, { url: gateway.url });
  assert.equal(outcome.calls, 2, "once at start(), once after the 401");
  assert.deepEqual(outcome.errors, []);
  const lines = gateway.log().trim().split("\n").map((l) => JSON.parse(l)).filter((l) => l.call === "create");
  assert.deepEqual(lines.slice(-2).map((l) => l.status), [401, 200]);
  assert.equal(lines.at(-1).user, "kim");
  const ended = (await emulator.streams()).ended.find((s) => s.stream_id === outcome.id);
  assert.equal(ended?.end_reason, "client_requested", "stop() deleted it through the gateway");
});

test("a token expiring within 60 s is replaced before each keepalive; results keep coming", async () => {
  const outcome = await page.evaluate(async ({ url }) => {
    let calls = 0;
    const c = window.recordSession({
      apiUrl: url,
      apiKey: () => { calls++; return window.fetchToken("lee", 30); },
    });
    await c.vision.start();
    await c.untilResults(1);
    const before = { calls, results: c.results.length };
    await new Promise((r) => setTimeout(r, 4500)); // 2 s TTL: ~4 keepalives
    const out = { before, calls, results: c.results.length, errors: c.errors, state: c.vision.state, id: c.vision.getStreamId() };
    await c.vision.stop();
    return out;
  }, { url: gateway.url });
  assert.equal(outcome.state, "streaming", JSON.stringify(outcome.errors));
  assert.deepEqual(outcome.errors, []);
  assert.ok(outcome.calls - outcome.before.calls >= 3, `provider calls during 4.5 s of keepalives: ${outcome.calls - outcome.before.calls}`);
  assert.ok(outcome.results > outcome.before.results + 4, `results ${outcome.before.results} → ${outcome.results}`);
  const keepalives = gateway.log().trim().split("\n").map((l) => JSON.parse(l)).filter((l) => l.call === "keepalive" && l.stream === outcome.id);
  assert.ok(keepalives.length >= 3 && keepalives.every((l) => l.status === 200 && l.user === "lee"), JSON.stringify(keepalives));
});

test("a raw ovs_ key warns once on a page off localhost, never on localhost, and the warning holds no key", async () => {
  const rawKey = "ovs_live_1234567890abcdef";
  const warnings = async (p) => {
    const seen = [];
    p.on("console", (m) => { if (m.type() === "warning") seen.push(m.text()); });
    await p.evaluate((key) => {
      for (let i = 0; i < 2; i++) new window.sdk.StreamClient({ apiKey: key, apiUrl: "https://api.overshoot.ai/v1" });
      new window.sdk.RealtimeVision({ apiKey: key, prompt: "p", onResult() {} });
    }, rawKey);
    await new Promise((r) => setTimeout(r, 200));
    return seen;
  };
  const local = await openSdkPage(browser, emulator.url);
  assert.deepEqual(await warnings(local), [], "127.0.0.1 is localhost");
  await local.close();

  // The same page served as http://app.example/ (Playwright answers for that host).
  const remote = await browser.newPage();
  await remote.route("http://app.example/**", async (route) => {
    const path = new URL(route.request().url()).pathname;
    await route.fulfill({ response: await route.fetch({ url: emulator.url + path }) });
  });
  await remote.goto("http://app.example/");
  await remote.waitForFunction(() => window.sdkReady === true);
  const seen = await warnings(remote);
  assert.equal(seen.length, 1, JSON.stringify(seen));
  assert.match(seen[0], /raw Overshoot API key.*Production/);
  assert.ok(!seen[0].includes(rawKey));
  await remote.close();
});

test("a results socket refused with 1008 (its token expired) gets a fresh token from apiKey and reopens", async () => {
  // A 30 s lease: no keepalive (and so no refresh) during the test; the socket is the only path.
  const { pkgDir } = packedPackage();
  const emu = await startEmulator({ ttl: 30, www: join(ROOT, "tests/e2e/www"), pkg: pkgDir });
  const gw = await startGateway({ upstream: emu.url, key: KEY, extraArgs: ["--allow-origin", emu.url] });
  const tab = await openSdkPage(browser, emu.url);
  await tab.exposeFunction("fetchToken", (sub, ttl) => gw.mint(sub, ttl));
  try {
    // The upstream socket drops after 16 results (~8.5 s): by then the first token
    // (1 s + the gateway's 5 s leeway) has expired, so the reopened socket gets 1008.
    await fetch(`${emu.url}/__emulator/faults`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ api_key: KEY, drop_socket_after_results: 16 }) });
    const outcome = await tab.evaluate(async ({ url }) => {
      let calls = 0;
      const c = window.recordSession({ apiUrl: url, apiKey: () => window.fetchToken("max", ++calls === 1 ? 1 : 600) });
      await c.vision.start();
      await c.untilResults(20, 30000);
      const out = { calls, results: c.results.length, errors: c.errors, state: c.vision.state };
      await c.vision.stop();
      return out;
    }, { url: gw.url });
    assert.deepEqual(outcome.errors, []);
    assert.equal(outcome.state, "streaming");
    assert.equal(outcome.calls, 2, "once at start(), once after the 1008");
    const sockets = gw.log().trim().split("\n").map((l) => JSON.parse(l)).filter((l) => l.call === "socket");
    assert.deepEqual(sockets.map((l) => l.status).slice(0, 2), [1006, 1008], JSON.stringify(sockets));
  } finally {
    await tab.close();
    await gw.stop();
    await emu.stop();
  }
});
