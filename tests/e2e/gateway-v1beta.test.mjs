// overshoot-gateway in front of the emulator's v1beta API, end to end with real
// processes: streams created through the gateway are published by the real
// livekit-client in Chromium (a red camera), and chat questions about them come back
// through the gateway, JSON and SSE. Per-user tokens, the key kept server-side, and
// every `ovs://` reference checked against the caller's own streams.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, solidY4m, packedPackage, startEmulator, startGateway, launchChromium, waitFor } from "./harness.mjs";
import { recordTraffic } from "./gateway-helpers.mjs";

// A key shaped like a real one, so "never leaks" is checked against something distinctive.
const SECRET_KEY = "ovs_e2e_v1beta_7c41e09b2d5a";
const MODEL = "Qwen/Qwen3.5-9B";
let emulator, gateway, browser, page;
/** Every answer body and header line the tests received from the gateway. */
const received = [];

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ www: join(ROOT, "tests/e2e/www"), pkg: pkgDir, extraArgs: ["--api-key", SECRET_KEY] });
  gateway = await startGateway({
    upstream: emulator.url, key: SECRET_KEY,
    extraArgs: ["--allow-origin", emulator.url, "--orphan-grace-seconds", "1", "--allow-model", MODEL, "--allow-model", "gpt-5.4-nano"],
  });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await browser.newPage();
  await page.route("**/vendor/livekit-client.mjs", (route) => route.fulfill({
    body: readFileSync(join(ROOT, "node_modules/livekit-client/dist/livekit-client.esm.mjs")),
    contentType: "text/javascript",
  }));
  await page.goto(emulator.url + "/");
}, { timeout: 60_000 });

after(async () => {
  await page?.evaluate(() => window.rooms?.forEach((r) => r.disconnect())).catch(() => {});
  await browser?.close();
  await gateway?.stop();
  await emulator?.stop();
});

/** `method /v1beta{path}` through the gateway as `token`; the answer with its JSON (or text) body, recorded. */
async function call(token, method, path, { body, headers = {} } = {}) {
  const response = await fetch(`${gateway.url}/v1beta${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  received.push(text, JSON.stringify([...response.headers]));
  let json = null;
  try { json = JSON.parse(text); } catch { /* SSE or empty */ }
  return { status: response.status, headers: response.headers, json, text };
}

const chatBody = (urls, extra = {}) => ({
  model: MODEL,
  messages: [{ role: "user", content: [
    { type: "text", text: "What colour is it?" },
    ...urls.map((url) => (/start_/.test(url) ? { type: "video_url", video_url: { url } } : { type: "image_url", image_url: { url } })),
  ] }],
  ...extra,
});
const frame = (id) => `ovs://streams/${id}?frame_index=-1`;
const clip = (id) => `ovs://streams/${id}?start_offset_ms=-2000&max_fps=2`;

/** The emulator's own view of its v1beta streams (test-only route, not through the gateway). */
const emulatorStream = async (id) =>
  (await (await fetch(`${emulator.url}/__emulator/v1beta/streams`)).json()).streams.find((s) => s.id === id);
const armFaults = (faults) => fetch(`${emulator.url}/__emulator/v1beta/faults`, {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ api_key: SECRET_KEY, ...faults }),
}).then((r) => r.json());

/** Publishes the fake camera (solid red) into the stream's room with livekit-client, in the page. */
function publish(grant) {
  return page.evaluate(async ({ url, token }) => {
    const lk = await import("/vendor/livekit-client.mjs");
    const room = new lk.Room();
    (window.rooms ??= []).push(room);
    await room.connect(url, token);
    const [track] = (await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } })).getVideoTracks();
    const pub = await room.localParticipant.publishTrack(track, { source: lk.Track.Source.Camera });
    return pub.trackSid;
  }, grant);
}

/** A stream created through the gateway as `token`, published red, with its first frames ingested. */
async function redStream(token) {
  const created = await call(token, "POST", "/streams", { body: {} });
  assert.equal(created.status, 201, created.text);
  const { id, publish: grant } = created.json;
  assert.match(await publish(grant), /^TR_/);
  await waitFor(async () => (await call(token, "GET", `/streams/${id}`)).json?.last_frame_index >= 5, 30000, "frames ingested");
  return { id, created };
}

let alice, bob, aliceStream;

test("alice's stream through the gateway: created, published with livekit-client, asked about (red), renewed, viewed, deleted; the key is nowhere", { timeout: 90_000 }, async () => {
  const traffic = await recordTraffic(page);
  alice = gateway.mint("alice");
  bob = gateway.mint("bob");
  const { id, created } = await redStream(alice);
  aliceStream = id;
  assert.equal(created.headers.get("x-overshoot-region"), "us-west1", "the serving region comes back");
  assert.equal(created.json.ttl_seconds, 300);

  const answer = await call(alice, "POST", "/chat/completions", { body: chatBody([frame(id)]) });
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.json.object, "chat.completion");
  assert.match(answer.json.choices[0].message.content, /^red: mean RGB \(2\d\d, \d{1,2}, \d{1,2}\) over 1 frames at \d+x\d+$/);
  const both = await call(alice, "POST", "/chat/completions", { body: chatBody([frame(id), clip(id)]) });
  assert.equal(both.status, 200, both.text);
  assert.match(both.json.choices[0].message.content, /^red: .* over 1 frames .*; red: .* over \d+ frames/, "one answer part per reference");

  const renewed = await call(alice, "POST", `/streams/${id}/keepalive`);
  assert.equal(renewed.status, 200, renewed.text);
  assert.equal(renewed.json.id, id);
  assert.ok(renewed.json.publish.token && renewed.json.publish.token !== created.json.publish.token, "a fresh publish token");
  const viewer = await call(alice, "POST", `/streams/${id}/viewer-token`);
  assert.equal(viewer.status, 200, viewer.text);
  assert.ok(viewer.json.view.token);
  // Well past the 1 s orphan grace: a v1beta stream has no results socket to lose.
  assert.equal((await emulatorStream(id)).status.state, "active");

  const traffic2 = await traffic.texts();
  await traffic.detach();
  for (const text of [...received, ...traffic2]) assert.ok(!text.includes(SECRET_KEY), `the key reached a caller: ${text.slice(0, 200)}`);
  const log = gateway.log();
  for (const secret of [SECRET_KEY, alice, created.json.publish.token, renewed.json.publish.token, viewer.json.view.token]) {
    assert.ok(!log.includes(secret), `a secret in the gateway's log: ${secret.slice(0, 12)}…`);
  }
  const lines = log.trim().split("\n").map((l) => JSON.parse(l));
  const chat = lines.find((l) => l.call === "chat" && l.status === 200);
  assert.deepEqual([chat.api, chat.user, chat.stream, typeof chat.upstream_ms], ["v1beta", "alice", id, "number"]);
  const create = lines.find((l) => l.call === "create" && l.stream === id);
  assert.deepEqual([create.api, create.user, create.status], ["v1beta", "alice", 201]);
  assert.ok(!lines.some((l) => l.call === "reap"), "nothing reaped");
});

test("bob cannot reach alice's stream: 404 on GET, keepalive, viewer-token and DELETE, and a chat naming it is refused before it reaches Overshoot", { timeout: 60_000 }, async () => {
  const id = aliceStream;
  for (const [method, path] of [["GET", `/streams/${id}`], ["POST", `/streams/${id}/keepalive`], ["POST", `/streams/${id}/viewer-token`], ["DELETE", `/streams/${id}`]]) {
    const r = await call(bob, method, path);
    assert.equal(r.status, 404, `${method} ${path}: ${r.text}`);
    assert.equal(r.json.detail, "unknown or expired stream");
  }
  // The next chat the emulator sees fails with an armed fault: if bob's requests reached
  // it, one of them would have used it up.
  await armFaults({ chat_error: "upstream_timeout", chat_error_count: 1 });
  for (const urls of [[frame(id)], [clip(id)], ["https://example.com/cat.jpg", frame(id)]]) {
    const r = await call(bob, "POST", "/chat/completions", { body: chatBody(urls) });
    assert.equal(r.status, 404, r.text);
    assert.equal(r.json.detail.error.code, "stream_not_found");
    assert.equal(r.json.detail.error.type, "stream_error");
  }
  const streamed = await call(bob, "POST", "/chat/completions", { body: chatBody([frame(id)], { stream: true }) });
  assert.equal(streamed.status, 404);
  const fault = await call(alice, "POST", "/chat/completions", { body: chatBody([frame(id)]) });
  assert.equal(fault.status, 504, "alice's request is the first the emulator saw since the fault was armed");
  assert.equal(fault.json.detail.error.code, "upstream_timeout", "an upstream error body passes through unchanged");
  const refused = gateway.log().trim().split("\n").map((l) => JSON.parse(l)).filter((l) => l.user === "bob" && l.call === "chat");
  assert.equal(refused.length, 4);
  for (const l of refused) assert.ok(l.status === 404 && !("upstream_ms" in l), `no upstream call: ${JSON.stringify(l)}`);
  assert.equal((await emulatorStream(id)).status.state, "active", "alice's stream is untouched");
});

test("bob's chats naming alice's stream in forms a URL parser would still read (spaces, tab, newline, upper case), or with an ovs: string that is no stream reference, are refused and never forwarded", { timeout: 60_000 }, async () => {
  const id = aliceStream;
  await armFaults({ chat_error: "upstream_timeout", chat_error_count: 1 });
  const forms = [` ovs://streams/${id}?frame_index=-1`, `\tovs://streams/${id}?frame_index=-1`, `ovs:\n//streams/${id}?frame_index=-1`, `OVS://streams/${id}?frame_index=-1`];
  for (const url of forms) {
    const r = await call(bob, "POST", "/chat/completions", { body: chatBody([url]) });
    assert.equal(r.status, 404, `${JSON.stringify(url)}: ${r.text}`);
    assert.equal(r.json.detail.error.code, "stream_not_found");
  }
  const stray = await call(bob, "POST", "/chat/completions", { body: chatBody(["https://example.com/cat.jpg"], { metadata: { note: `ovs://STREAMS/${id}?frame_index=-1` } }) });
  assert.equal(stray.status, 400, stray.text);
  assert.equal(stray.json.detail.error.code, "stream_url_invalid");
  const twice = `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ovs://streams/${id}?frame_index=-1","url":"https://example.com/cat.jpg"}}]}]}`;
  const dup = await fetch(`${gateway.url}/v1beta/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${bob}`, "content-type": "application/json" }, body: twice });
  assert.equal(dup.status, 422, await dup.text());
  // Alice's own, in the same odd forms, are hers: the first one reaches the emulator and uses up the fault.
  const fault = await call(alice, "POST", "/chat/completions", { body: chatBody([forms[0]]) });
  assert.equal(fault.status, 504, "none of bob's requests reached the emulator");
  const own = await call(alice, "POST", "/chat/completions", { body: chatBody([forms[3]]) });
  assert.equal(own.status, 200, own.text);
});

test("a streamed answer (stream: true) passes through the gateway chunk by chunk, as the emulator writes it", { timeout: 60_000 }, async () => {
  const started = performance.now();
  const response = await fetch(`${gateway.url}/v1beta/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${alice}`, "content-type": "application/json" },
    body: JSON.stringify(chatBody([frame(aliceStream)], { stream: true, stream_options: { include_usage: true } })),
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /^text\/event-stream/);
  const reads = [];
  const decoder = new TextDecoder();
  for await (const chunk of response.body) reads.push({ at: performance.now() - started, text: decoder.decode(chunk, { stream: true }) });
  const events = reads.map((r) => r.text).join("").split("\n\n").filter(Boolean);
  assert.equal(events.at(-1), "data: [DONE]");
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, "")));
  const text = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? "")).join("");
  assert.match(text, /^red: mean RGB \(2\d\d, \d{1,2}, \d{1,2}\) over 1 frames at \d+x\d+$/);
  assert.ok(chunks.at(-1).usage.total_tokens > 0, "the final usage chunk");
  // The emulator writes a piece every 25 ms: relayed as written, they arrive spread out
  // over many reads; a gateway that collected the answer first would hand it over at once.
  const firstContent = reads.findIndex((r) => r.text.includes('"content"'));
  const spread = reads.at(-1).at - reads[firstContent].at;
  assert.ok(reads.length >= 4, `reads: ${reads.length}`);
  assert.ok(spread >= 25 * (chunks.length - 3), `first content at ${reads[firstContent].at.toFixed(0)} ms, last read at ${reads.at(-1).at.toFixed(0)} ms, ${chunks.length} chunks`);
  console.log(`# SSE through the gateway: ${chunks.length} chunks in ${reads.length} reads, first content ${reads[firstContent].at.toFixed(0)} ms, last ${reads.at(-1).at.toFixed(0)} ms`);
});

test("headers pass both ways: X-Overshoot-Region upstream (a wrong one is the upstream's 409), retry-after and x-ratelimit-* back, readable by a page (CORS)", { timeout: 60_000 }, async () => {
  const wrong = await call(alice, "GET", `/streams/${aliceStream}`, { headers: { "x-overshoot-region": "us-central1" } });
  assert.equal(wrong.status, 409, wrong.text);
  assert.deepEqual(wrong.json.detail, { error: "region_error", expected_region: "us-west1", requested_region: "us-central1" });
  const right = await call(alice, "GET", `/streams/${aliceStream}`, { headers: { "x-overshoot-region": "us-west1" } });
  assert.equal(right.status, 200);

  await armFaults({ rate_limited: 1 });
  const limited = await call(alice, "POST", "/chat/completions", { body: chatBody([frame(aliceStream)]) });
  assert.equal(limited.status, 429, limited.text);
  assert.equal(limited.headers.get("retry-after"), "1");
  for (const h of ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"]) assert.match(limited.headers.get(h) ?? "", /^\d+$/, h);

  // From the page (another origin): the preflight allows the region header, and the
  // answer's region and rate-limit headers are exposed to the script.
  const seen = await page.evaluate(async ({ url, token, id }) => {
    const r = await fetch(`${url}/v1beta/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-overshoot-region": "us-west1" },
      body: JSON.stringify({ model: "Qwen/Qwen3.5-9B", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `ovs://streams/${id}?frame_index=-1` } }] }] }),
    });
    const body = await r.json();
    return { status: r.status, region: r.headers.get("x-overshoot-region"), limit: r.headers.get("x-ratelimit-limit"), content: body.choices?.[0]?.message?.content };
  }, { url: gateway.url, token: alice, id: aliceStream });
  assert.equal(seen.status, 200);
  assert.equal(seen.region, "us-west1");
  assert.match(seen.limit ?? "", /^\d+$/);
  assert.match(seen.content, /^red: /);
});

test("policy in v1beta's shapes: models outside --allow-model (422 naming model, not listed), a malformed reference, the per-user cap, a token-less call", { timeout: 60_000 }, async () => {
  const models = await call(alice, "GET", "/models");
  assert.equal(models.status, 200);
  assert.deepEqual(models.json.data.map((m) => m.id).sort(), ["Qwen/Qwen3.5-9B", "gpt-5.4-nano"]);
  const notAllowed = await call(alice, "POST", "/chat/completions", { body: { ...chatBody([frame(aliceStream)]), model: "gpt-5.4" } });
  assert.equal(notAllowed.status, 422);
  assert.deepEqual(notAllowed.json.details[0].loc, ["body", "model"]);
  const malformed = await call(alice, "POST", "/chat/completions", { body: chatBody([`ovs://streams/${aliceStream}?frame_index=-1&frame_index=2`]) });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.json.detail.error.code, "query_param_invalid");
  const anonymous = await fetch(`${gateway.url}/v1beta/streams`, { method: "POST" });
  assert.equal(anonymous.status, 401);
  assert.match((await anonymous.json()).detail, /missing token/);

  // alice holds one stream; the cap is 2.
  const second = await call(alice, "POST", "/streams");
  assert.equal(second.status, 201, second.text);
  const third = await call(alice, "POST", "/streams");
  assert.equal(third.status, 429);
  assert.equal(third.json.detail, "at most 2 concurrent streams per user");
  const gone = await call(alice, "DELETE", `/streams/${second.json.id}`);
  assert.deepEqual([gone.status, gone.json], [200, { id: second.json.id, deleted: true }]);
  assert.equal((await emulatorStream(second.json.id)).status.end_reason, "deleted");
});

test("alice's DELETE ends her stream upstream; a chat about it is then refused at the gateway", { timeout: 30_000 }, async () => {
  const gone = await call(alice, "DELETE", `/streams/${aliceStream}`);
  assert.equal(gone.status, 200, gone.text);
  assert.equal((await emulatorStream(aliceStream)).status.end_reason, "deleted");
  const after = await call(alice, "POST", "/chat/completions", { body: chatBody([frame(aliceStream)]) });
  assert.equal(after.status, 404);
  assert.equal(after.json.detail.error.code, "stream_not_found");
});

test("the reaper ends a v1beta stream in the v1beta API (--max-stream-seconds), and SIGTERM deletes the rest", { timeout: 60_000 }, async () => {
  const short = await startGateway({ upstream: emulator.url, key: SECRET_KEY, extraArgs: ["--max-stream-seconds", "2"] });
  try {
    const token = short.mint("carol");
    const create = () => fetch(`${short.url}/v1beta/streams`, { method: "POST", headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
    const { id } = await create();
    await waitFor(async () => (await emulatorStream(id))?.status.state === "ended", 10000, "the reaper's DELETE");
    assert.equal((await emulatorStream(id)).status.end_reason, "deleted");
    await waitFor(() => /"call":"reap"/.test(short.log()), 5000, "the reap line");
    const reap = short.log().trim().split("\n").map((l) => JSON.parse(l)).find((l) => l.call === "reap");
    assert.deepEqual([reap.stream, reap.status, reap.reason], [id, 200, "max_stream_seconds"]);
    const { id: last } = await create();
    await short.stop();
    assert.equal((await emulatorStream(last)).status.end_reason, "deleted", "SIGTERM deleted it in the v1beta API");
  } finally {
    await short.stop();
  }
});
