// overshoot-gateway end to end: the packed package in Chromium authenticates with a
// short-lived token; the gateway holds the emulator's key and enforces the policy.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, GATEWAY_SECRET, solidY4m, packedPackage, startEmulator, startGateway, launchChromium, waitFor, openSdkPage, recordOffer } from "./harness.mjs";
import { signJwt, recordTraffic, installPageHelpers } from "./gateway-helpers.mjs";

// A key shaped like a real one, so "never leaks" is checked against something distinctive.
const SECRET_KEY = "ovs_e2e_0b5f1c3a9d7e4c2b8a6f";
let emulator, gateway, browser, page;

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ ttl: 30, www: join(ROOT, "tests/e2e/www"), pkg: pkgDir, extraArgs: ["--api-key", SECRET_KEY] });
  gateway = await startGateway({
    upstream: emulator.url, key: SECRET_KEY,
    extraArgs: ["--allow-origin", emulator.url, "--orphan-grace-seconds", "2", "--allow-model", "m", "--allow-model", "Qwen/Qwen3.5-9B"],
  });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await openSdkPage(browser, emulator.url);
  await recordOffer(page);
  await installPageHelpers(page);
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
  await emulator?.stop();
});

const openIds = async () => (await emulator.streams()).open.map((s) => s.stream_id);

test("a token streams through the gateway: red results, and the key is in nothing the page received nor in the logs", async () => {
  const traffic = await recordTraffic(page);
  const token = gateway.mint("alice");
  await page.evaluate(async ({ token, url }) => {
    const c = window.recordSession({ apiKey: token, apiUrl: url });
    await c.vision.start();
    await c.untilResults(2);
  }, { token, url: gateway.url });
  const session = await page.evaluate(() => ({ results: window.current.results, id: window.current.vision.getStreamId() }));
  assert.match(session.results[0].result, /^red: mean RGB/, session.results[0].result);
  assert.ok((await openIds()).includes(session.id), "the stream is open on the emulator");
  await page.evaluate(() => window.current.vision.updatePrompt("Name the colour"));
  await waitFor(() => page.evaluate(() => window.current.results.some((r) => r.prompt === "Name the colour")), 10000, "a result with the new prompt");
  await page.evaluate(() => window.current.vision.stop());
  assert.ok(!(await openIds()).includes(session.id), "stop() deleted it upstream");

  const received = await traffic.texts();
  await traffic.detach();
  assert.ok(traffic.frames.length >= 2, `socket frames seen over CDP: ${traffic.frames.length}`);
  assert.ok(received.some((t) => t.includes(session.id)), "the recording saw the API's answers");
  for (const text of received) assert.ok(!text.includes(SECRET_KEY), `the key reached the page: ${text.slice(0, 200)}`);
  const log = gateway.log();
  assert.ok(!log.includes(SECRET_KEY), "the key is not in the gateway's log");
  assert.ok(!log.includes(token), "the token is not in the gateway's log");
  const lines = log.trim().split("\n").map((l) => JSON.parse(l));
  const create = lines.find((l) => l.call === "create" && l.stream === session.id);
  assert.ok(create, `a create line for the stream:\n${log}`);
  assert.equal(create.user, "alice");
  assert.equal(create.status, 200);
  assert.equal(typeof create.upstream_ms, "number");
});

test("an expired, forged or alg-none token: 401 UnauthorizedError at start(), 1008 on the socket", async () => {
  const now = Math.floor(Date.now() / 1000);
  const expired = signJwt({ sub: "alice", iat: now - 700, exp: now - 100 }, GATEWAY_SECRET);
  const forged = signJwt({ sub: "alice", iat: now, exp: now + 600 }, "not-the-gateway-secret-not-the-secret");
  const none = signJwt({ sub: "alice", iat: now, exp: now + 600 }, "", { alg: "none", typ: "JWT" });
  for (const token of [expired, forged, none]) {
    const e = await page.evaluate(async ({ token, url }) => {
      const c = window.recordSession({ apiKey: token, apiUrl: url });
      await c.tryStart();
      return { startError: c.startError, tracks: c.vision.getMediaStream()?.getTracks().length ?? 0 };
    }, { token, url: gateway.url });
    assert.equal(e.startError?.name, "UnauthorizedError", JSON.stringify(e));
    assert.equal(e.startError.status, 401);
    assert.ok(!e.startError.message.includes(token));
  }
  const alice = gateway.mint("alice");
  const id = await page.evaluate(async ({ token, url }) => {
    const client = new window.sdk.StreamClient({ apiKey: token, apiUrl: url });
    return (await client.createStream(window.gw.request(window.offerSdp))).stream_id;
  }, { token: alice, url: gateway.url });
  const closed = await page.evaluate(({ url, id, expired }) => window.gw.socket(url, id, expired), { url: gateway.url, id, expired });
  assert.equal(closed.code, 1008, JSON.stringify(closed));
  await page.evaluate(({ url, id, token }) => new window.sdk.StreamClient({ apiKey: token, apiUrl: url }).closeStream(id), { url: gateway.url, id, token: alice });
});

test("user B cannot keepalive, PATCH, DELETE or open the socket of user A's stream", async () => {
  const [a, b] = [gateway.mint("user-a"), gateway.mint("user-b")];
  const outcome = await page.evaluate(async ({ a, b, url }) => {
    const asA = new window.sdk.StreamClient({ apiKey: a, apiUrl: url });
    const asB = new window.sdk.StreamClient({ apiKey: b, apiUrl: url });
    const { stream_id: id } = await asA.createStream(window.gw.request(window.offerSdp));
    const out = {
      id,
      keepalive: await window.gw.error(() => asB.renewLease(id)),
      patch: await window.gw.error(() => asB.updatePrompt(id, "mine now")),
      del: await window.gw.error(() => asB.closeStream(id)),
      socket: await window.gw.socket(url, id, b),
      ownerKeepalive: await window.gw.error(() => asA.renewLease(id)),
    };
    await asA.closeStream(id);
    return out;
  }, { a, b, url: gateway.url });
  for (const call of ["keepalive", "patch", "del"]) {
    assert.equal(outcome[call]?.name, "NotFoundError", `${call}: ${JSON.stringify(outcome[call])}`);
    assert.equal(outcome[call].status, 404);
  }
  assert.deepEqual(outcome.socket, { code: 1001, reason: "stream ended: not_found" });
  assert.equal(outcome.ownerKeepalive, null, "the owner still renews it");
  const report = await emulator.streams();
  const ended = report.ended.find((s) => s.stream_id === outcome.id);
  assert.ok(ended, "ended by its owner's DELETE");
  assert.ok(ended.keepalives >= 1 && ended.prompt !== "mine now", JSON.stringify(ended));
});

test("the third concurrent stream of one user is a RateLimitError; another user is not affected", async () => {
  const [carol, dave] = [gateway.mint("carol"), gateway.mint("dave")];
  const outcome = await page.evaluate(async ({ carol, dave, url }) => {
    const asCarol = new window.sdk.StreamClient({ apiKey: carol, apiUrl: url });
    const asDave = new window.sdk.StreamClient({ apiKey: dave, apiUrl: url });
    const ids = [];
    for (let i = 0; i < 2; i++) ids.push((await asCarol.createStream(window.gw.request(window.offerSdp))).stream_id);
    const third = await window.gw.error(() => asCarol.createStream(window.gw.request(window.offerSdp)));
    const daves = (await asDave.createStream(window.gw.request(window.offerSdp))).stream_id;
    await asCarol.closeStream(ids[0]);
    const afterClose = (await asCarol.createStream(window.gw.request(window.offerSdp))).stream_id;
    for (const id of [ids[1], afterClose]) await asCarol.closeStream(id);
    await asDave.closeStream(daves);
    return { third, afterClose };
  }, { carol, dave, url: gateway.url });
  assert.equal(outcome.third?.name, "RateLimitError", JSON.stringify(outcome.third));
  assert.equal(outcome.third.status, 429);
  assert.ok(outcome.afterClose, "a slot frees when a stream is deleted");
});

test("policy answers in the API's shapes: 422 naming inference.model (and only allowed models listed), 413 over 1 MB, CORS only for the allowed origin", async () => {
  const token = gateway.mint("erin");
  const e = await page.evaluate(async ({ token, url }) => window.gw.error(() =>
    new window.sdk.StreamClient({ apiKey: token, apiUrl: url }).createStream({ ...window.gw.request(window.offerSdp), inference: { prompt: "p", model: "someone/expensive" } })),
  { token, url: gateway.url });
  assert.equal(e?.name, "ValidationError", JSON.stringify(e));
  assert.equal(e.status, 422);
  assert.equal(e.details?.field, "inference.model");

  const big = await fetch(`${gateway.url}/streams`, {
    method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ ...{ inference: { prompt: "x".repeat(1100000), model: "m" } } }),
  });
  assert.equal(big.status, 413);
  assert.equal((await big.json()).error, "payload_too_large");

  const preflight = (origin) => fetch(`${gateway.url}/streams`, {
    method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
  });
  assert.equal((await preflight(emulator.url)).headers.get("access-control-allow-origin"), emulator.url);
  assert.equal((await preflight("https://evil.example")).headers.get("access-control-allow-origin"), null);
  const models = await page.evaluate(({ token, url }) => new window.sdk.StreamClient({ apiKey: token, apiUrl: url }).getModels(), { token, url: gateway.url });
  assert.deepEqual(models.map((m) => m.model), ["Qwen/Qwen3.5-9B"], "only --allow-model models are listed");
  const noToken = await fetch(`${gateway.url}/models`);
  assert.equal(noToken.status, 401);
  assert.deepEqual(Object.keys(await noToken.json()).sort(), ["error", "message", "request_id"]);
});

test("a tab that dies without stop() or pagehide: the gateway DELETEs its stream within the orphan grace", async () => {
  const tab = await openSdkPage(browser, emulator.url);
  const token = gateway.mint("frank");
  const id = await tab.evaluate(async ({ token, url }) => {
    const c = window.recordSession({ apiKey: token, apiUrl: url });
    await c.vision.start();
    await c.untilResults(1);
    return c.vision.getStreamId();
  }, { token, url: gateway.url });
  // A renderer crash: no pagehide, no DELETE from the page; only the socket drops.
  const cdp = await tab.context().newCDPSession(tab);
  const crashedAt = Date.now();
  cdp.send("Page.crash").catch(() => {}); // never answers: the page is gone
  const ended = await waitFor(async () => (await emulator.streams()).ended.find((s) => s.stream_id === id), 10000, "the orphan's DELETE");
  const took = Date.now() - crashedAt;
  assert.equal(ended.end_reason ?? ended.reason, "client_requested", JSON.stringify(ended));
  assert.ok(took >= 1500 && took < 2000 + 2500, `deleted ${took} ms after the crash (grace 2 s)`);
  // The reaper logs once the upstream DELETE has answered: just after the emulator saw it.
  const reap = await waitFor(() => gateway.log().split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.call === "reap" && l.stream === id), 2000, "the reap log line");
  assert.equal(reap.reason, "socket_gone", gateway.log());
  assert.ok(!gateway.log().split("\n").some((l) => l.includes('"call":"delete"') && l.includes(id)), "no DELETE came from the page");
  await Promise.race([tab.close().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
});

test("SIGTERM deletes every stream the gateway holds, then it exits", async () => {
  const own = await startGateway({ upstream: emulator.url, key: SECRET_KEY, extraArgs: ["--allow-origin", emulator.url] });
  const token = own.mint("gina");
  const ids = await page.evaluate(async ({ token, url }) => {
    const client = new window.sdk.StreamClient({ apiKey: token, apiUrl: url });
    const ids = [];
    for (let i = 0; i < 2; i++) ids.push((await client.createStream(window.gw.request(window.offerSdp))).stream_id);
    return ids;
  }, { token, url: own.url });
  for (const id of ids) assert.ok((await openIds()).includes(id));
  const exit = await own.stop("SIGTERM");
  assert.equal(exit.code, 0, own.log());
  const open = await openIds();
  for (const id of ids) assert.ok(!open.includes(id), `stream ${id} still open after SIGTERM`);
});
