// `scripts/demo.sh`'s server: the demo page streams through overshoot-gateway with
// tokens from the demo server's /token, and never sends a key.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT, solidY4m, launchChromium, waitFor, freePort } from "./harness.mjs";
import { trackedPage } from "./demo-helpers.mjs";

let server, url, browser, log = "";

before(async () => {
  const port = await freePort();
  server = spawn(process.execPath, [join(ROOT, "scripts/demo-server.mjs")], { env: { ...process.env, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
  server.stderr.on("data", (d) => { log += d; });
  url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`demo server did not start:\n${log}`)), 20000);
    server.stdout.on("data", (d) => {
      const m = /listening on (http:\/\/\S+)/.exec(String(d));
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
  });
  browser = await launchChromium(solidY4m([230, 20, 20]));
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((ok) => server.on("exit", ok));
    server.kill("SIGTERM");
    await exited;
  }
});

test("the demo streams through the gateway with /token tokens; no request carries a key", async () => {
  const { page, errors } = await trackedPage(browser, { viewport: { width: 1280, height: 900 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const sent = [];
  cdp.on("Network.requestWillBeSent", (e) => sent.push({ url: e.request.url, auth: e.request.headers.Authorization ?? e.request.headers.authorization }));
  cdp.on("Network.webSocketFrameSent", (e) => sent.push({ frame: e.response.payloadData }));
  await page.goto(url + "/");
  await page.waitForSelector("html[data-ready=true]");
  assert.match(await page.locator("#api-url-hint").textContent(), /short-lived tokens from \/token.*overshoot-gateway/);
  await page.click("#start");
  await waitFor(async () => (await page.$$("#feed > li")).length >= 2, 20000, "two results");
  assert.match(await page.locator("#feed > li .result-text").first().innerText(), /^red: mean RGB/);
  await page.click("#stop");
  await waitFor(async () => (await page.locator("#state-text").innerText()) === "Stopped", 10000, "Stopped");
  const authorized = sent.filter((s) => s.auth);
  assert.ok(authorized.length >= 2, JSON.stringify(sent));
  for (const s of authorized) assert.match(s.auth, /^Bearer eyJ/, "only tokens in headers");
  const frames = sent.filter((s) => s.frame);
  assert.ok(frames.length >= 1 && frames.every((f) => /"api_key":"eyJ/.test(f.frame)), JSON.stringify(frames));
  assert.ok(!JSON.stringify(sent).includes("emulator-key"), "the key was never sent");
  assert.deepEqual(errors, []);
  await page.close();
});
