// Two gateways behind one imaginary load balancer share one redis-server: one cap per
// user across both, and either serves the other's streams.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, startGateway, startRedis, launchChromium, openSdkPage, recordOffer } from "./harness.mjs";
import { installPageHelpers } from "./gateway-helpers.mjs";

let emulator, redis, g1, g2, browser, page;

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ ttl: 30, www: join(ROOT, "tests/e2e/www"), pkg: pkgDir });
  redis = await startRedis();
  const args = ["--redis", redis.url, "--allow-origin", emulator.url, "--max-streams-per-user", "2"];
  g1 = await startGateway({ upstream: emulator.url, key: KEY, extraArgs: args });
  g2 = await startGateway({ upstream: emulator.url, key: KEY, extraArgs: args });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await openSdkPage(browser, emulator.url);
  await recordOffer(page);
  await installPageHelpers(page);
});

after(async () => {
  await browser?.close();
  await g1?.stop();
  await g2?.stop();
  await redis?.stop();
  await emulator?.stop();
});

test("one cap across both gateways, and each serves the other's stream", async () => {
  const hank = g1.mint("hank");
  const ivy = g2.mint("ivy");
  const outcome = await page.evaluate(async ({ hank, ivy, u1, u2 }) => {
    const c = window.recordSession({ apiKey: hank, apiUrl: u1 });
    await c.vision.start();
    await c.untilResults(1);
    const first = c.vision.getStreamId();
    const viaG2 = new window.sdk.StreamClient({ apiKey: hank, apiUrl: u2 });
    const viaG1 = new window.sdk.StreamClient({ apiKey: hank, apiUrl: u1 });
    const second = (await viaG2.createStream(window.gw.request(window.offerSdp))).stream_id;
    const out = {
      first,
      thirdOnG1: await window.gw.error(() => viaG1.createStream(window.gw.request(window.offerSdp))),
      thirdOnG2: await window.gw.error(() => viaG2.createStream(window.gw.request(window.offerSdp))),
      keepaliveOnG2: await window.gw.error(() => viaG2.renewLease(first)),
      promptOnG2: await window.gw.error(() => viaG2.updatePrompt(first, "Colour, via the other gateway?")),
      socketOnG2: await window.gw.socket(u2, first, hank, 10000),
      otherUserOnG2: await window.gw.error(() => new window.sdk.StreamClient({ apiKey: ivy, apiUrl: u2 }).renewLease(first)),
      deleteOnG1: await window.gw.error(() => viaG1.closeStream(second)),
    };
    const again = (await viaG1.createStream(window.gw.request(window.offerSdp))).stream_id;
    await viaG2.closeStream(again);
    await c.vision.stop();
    return out;
  }, { hank, ivy, u1: g1.url, u2: g2.url });
  for (const third of [outcome.thirdOnG1, outcome.thirdOnG2]) {
    assert.equal(third?.name, "RateLimitError", JSON.stringify(third));
  }
  assert.equal(outcome.keepaliveOnG2, null, JSON.stringify(outcome.keepaliveOnG2));
  assert.equal(outcome.promptOnG2, null, JSON.stringify(outcome.promptOnG2));
  assert.equal(outcome.socketOnG2.message?.stream_id, outcome.first, JSON.stringify(outcome.socketOnG2));
  assert.equal(outcome.otherUserOnG2?.name, "NotFoundError");
  assert.equal(outcome.deleteOnG1, null, "G1 deletes a stream G2 created");
  const report = await emulator.streams();
  assert.deepEqual(report.open, [], "nothing left open");
  const first = report.ended.find((s) => s.stream_id === outcome.first);
  assert.equal(first.prompt, "Colour, via the other gateway?");
  assert.ok(first.keepalives >= 1);
});
