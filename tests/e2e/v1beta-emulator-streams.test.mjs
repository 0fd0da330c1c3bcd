// The emulator's v1beta streams end to end: a Chromium page publishes a fake red camera
// with the real livekit-client into the room `POST /v1beta/streams` names, and the
// emulator decodes it into the stream's frame store. Raw fetches check create, CORS,
// telemetry, leases, tombstones, tokens and switches. The chat side is in
// v1beta-emulator-chat.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { KEY, waitFor } from "./harness.mjs";
import {
  OTHER_KEY, MODEL, emulator, browser, page, base, client, live, call, emu, frameRef, ask, status,
  assertRedFrames, claims, setupPublishingStream,
} from "./v1beta-emulator-shared.mjs";

setupPublishingStream();

test("create answers a LiveKit publish target on the emulator's own server, with the region header", async () => {
  assert.equal(live.state, "active");
  assert.deepEqual(live.source, { type: "livekit" });
  assert.equal(live.publish.type, "livekit");
  assert.equal(live.publish.url, emulator.url.replace("http:", "ws:"));
  assert.equal(claims(live.publish.token).video.room, live.id);
  assert.equal(claims(live.publish.token).video.canPublish, true);
  assert.equal(live.ttl_seconds, 300);
  assert.ok(Math.abs(live.expires_at_ms - (Date.now() + 300_000)) < 30_000, String(live.expires_at_ms));
  assert.match(live.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  for (const body of [undefined, "", "{}"]) {
    const r = await call("POST", "/streams", { body });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get("x-overshoot-region"), "us-west1");
    assert.equal((await call("DELETE", `/streams/${r.json.id}`)).status, 200);
  }
});

test("a page of another origin reads the region and rate-limit headers (CORS exposes them)", async () => {
  const other = await browser.newPage();
  await other.goto(emulator.url.replace("127.0.0.1", "localhost") + "/v1beta-publisher.html");
  const seen = await other.evaluate(async ({ base, key, id }) => {
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const got = await fetch(`${base}/streams/${id}`, { headers });
    const body = { model: "google/gemma-4-26B-A4B-it", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `ovs://streams/${id}?frame_index=-1` } }] }] };
    const chat = await fetch(`${base}/chat/completions`, { method: "POST", headers, body: JSON.stringify(body) });
    return { origin: location.origin, region: got.headers.get("x-overshoot-region"), limit: chat.headers.get("x-ratelimit-limit"), status: chat.status };
  }, { base, key: KEY, id: live.id });
  await other.close();
  assert.notEqual(seen.origin, new URL(emulator.url).origin);
  assert.deepEqual([seen.region, seen.limit, seen.status], ["us-west1", "50", 200]);
});

test("GET reports real telemetry of the frames decoded from the LiveKit publisher", async () => {
  const s = await status(live.id);
  assert.equal(s.state, "active");
  assert.equal(s.first_available_frame_index, 0);
  assert.equal(s.retained_frame_count, s.last_frame_index + 1);
  assert.equal(s.evicted_frame_count, 0);
  assert.ok(s.first_frame_at_ms <= s.last_frame_at_ms && s.last_frame_at_ms <= Date.now() + 5, JSON.stringify(s));
  assert.equal(s.first_available_frame_at_ms, s.first_frame_at_ms);
  assert.ok(s.stream_time_ms >= s.last_frame_at_ms - s.first_frame_at_ms, JSON.stringify(s));
  assert.ok(s.recent_fps > 5 && s.recent_fps < 61, `recent_fps ${s.recent_fps}`);
  assert.equal(s.end_reason, null);
  assert.equal(s.audio, false);
  const later = await waitFor(async () => {
    const n = await status(live.id);
    return n.last_frame_index > s.last_frame_index + 10 ? n : null;
  }, 10000, "more frames");
  assert.ok(later.last_frame_at_ms > s.last_frame_at_ms);
});

test("keepalive renews the lease with a fresh publish token, which the room takes", async () => {
  const before = await status(live.id);
  const renewed = await call("POST", `/streams/${live.id}/keepalive`, { body: {} });
  assert.equal(renewed.status, 200, renewed.text);
  const k = renewed.json;
  assert.equal(k.id, live.id);
  assert.equal(k.ttl_seconds, 300);
  assert.ok(k.expires_at_ms >= before.expires_at_ms, `${k.expires_at_ms} < ${before.expires_at_ms}`);
  assert.ok(k.stream_time_ms > 0);
  assert.equal(k.publish.url, live.publish.url);
  assert.notEqual(k.publish.token, live.publish.token, "a fresh token");
  assert.equal(claims(k.publish.token).video.room, live.id);
  // The emulator's LiveKit server hands the fresh token to the connected publisher
  // (`refresh_token`), which livekit-client keeps for its reconnects.
  await page.waitForFunction((token) => window.room.engine.token === token, k.publish.token, { timeout: 5000 });
  assert.equal(renewed.headers.get("x-overshoot-region"), "us-west1");
  assert.equal((await call("POST", `/streams/${live.id}/keepalive`, { key: OTHER_KEY })).status, 404);
});

test("viewer-token: subscribe-only credentials for the stream's room", async () => {
  const r = await call("POST", `/streams/${live.id}/viewer-token`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.id, live.id);
  assert.deepEqual(Object.keys(r.json.view).sort(), ["expires_in_seconds", "token", "type", "url"]);
  assert.equal(r.json.view.type, "livekit");
  assert.equal(r.json.view.url, live.publish.url);
  assert.equal(r.json.view.expires_in_seconds, 300);
  const c = claims(r.json.view.token);
  assert.equal(c.video.room, live.id);
  assert.equal(c.video.canPublish, false);
  assert.ok(c.exp - Date.now() / 1000 <= 301);
  assert.equal((await call("POST", `/streams/${live.id}/viewer-token`, { key: OTHER_KEY })).status, 404);
  // The room admits the viewer, without publish permission.
  const joined = await page.evaluate(async ({ url, token }) => {
    const lk = await import("/vendor/livekit-client.mjs");
    const viewer = new lk.Room();
    await viewer.connect(url, token);
    const permissions = viewer.localParticipant.permissions;
    await viewer.disconnect();
    return { canPublish: permissions?.canPublish, canSubscribe: permissions?.canSubscribe };
  }, r.json.view);
  assert.deepEqual(joined, { canPublish: false, canSubscribe: true });
});

test("camera sources the emulator cannot reach are 422 {detail}; malformed ones the validation shape", async () => {
  const unreachable = await call("POST", "/streams", { body: { source: { type: "rtsp", url: "rtsp://user:pass@192.168.1.20:554/stream" } } });
  assert.equal(unreachable.status, 422);
  assert.deepEqual(unreachable.json, { detail: "Could not connect to source url (check reachability and credentials)" });
  assert.ok(!unreachable.text.includes("pass@"), "the URL is never echoed");
  const hls = await call("POST", "/streams", { body: { source: { type: "hls", url: "https://cdn.example.com/live.m3u8" } } });
  assert.equal(hls.status, 422);
  const wrongScheme = await call("POST", "/streams", { body: { source: { type: "hls", url: "rtsp://cam/1" } } });
  assert.equal(wrongScheme.status, 422);
  assert.deepEqual(wrongScheme.json.details[0].loc, ["body", "source", "url"]);
});

test("a lapsed lease ends the stream with end_reason expired; keepalive is then 404", { timeout: 30_000 }, async () => {
  await emu("/__emulator/v1beta/config", { ttl_seconds: 2 });
  const s = (await call("POST", "/streams")).json;
  await emu("/__emulator/v1beta/config", { ttl_seconds: 300 });
  assert.equal(s.ttl_seconds, 2);
  const ended = await waitFor(async () => {
    const now = await status(s.id);
    return now.state === "ended" ? now : null;
  }, 6000, "the lease to lapse");
  assert.equal(ended.end_reason, "expired");
  assert.equal(ended.expires_at_ms, null);
  assert.ok(ended.ended_at_ms >= s.expires_at_ms);
  assert.equal((await call("POST", `/streams/${s.id}/keepalive`)).status, 404);
});

test("DELETE leaves a tombstone: ended/deleted, a repeat answers the same, chat is stream_not_found, then 404", { timeout: 30_000 }, async () => {
  const s = (await call("POST", "/streams")).json;
  const first = await call("DELETE", `/streams/${s.id}`);
  assert.equal(first.status, 200);
  assert.deepEqual(first.json, { id: s.id, deleted: true });
  const again = await call("DELETE", `/streams/${s.id}`);
  assert.deepEqual([again.status, again.json], [200, first.json]);
  const tomb = await status(s.id);
  assert.equal(tomb.state, "ended");
  assert.equal(tomb.end_reason, "deleted");
  assert.equal(tomb.expires_at_ms, null);
  assert.ok(tomb.ended_at_ms > 0);
  // Its room is gone: the publish token no longer joins it.
  const refused = await page.evaluate(async ({ url, token }) => {
    const lk = await import("/vendor/livekit-client.mjs");
    try {
      await new lk.Room().connect(url, token);
      return "joined";
    } catch (e) {
      return e.message;
    }
  }, s.publish);
  assert.notEqual(refused, "joined");
  const chat = await call("POST", "/chat/completions", { body: ask(frameRef(s.id)) });
  assert.equal(chat.status, 404);
  assert.equal(chat.json.detail.error.code, "stream_not_found");
  assert.equal((await call("POST", `/streams/${s.id}/viewer-token`)).status, 404);
  // §16.14's other reading: a repeat DELETE is 404.
  await emu("/__emulator/v1beta/config", { repeat_delete: "not_found" });
  assert.equal((await call("DELETE", `/streams/${s.id}`)).status, 404);
  await emu("/__emulator/v1beta/config", { repeat_delete: "again", tombstone_seconds: 1 });
  const gone = await waitFor(async () => (await call("GET", `/streams/${s.id}`)).status === 404, 5000, "the tombstone to lapse");
  assert.ok(gone);
  await emu("/__emulator/v1beta/config", { tombstone_seconds: 60 });
});

test("the other readings of contested points, behind switches", async () => {
  const flip = (patch) => emu("/__emulator/v1beta/config", patch);
  // §16.22: create answers without `source`, as the docs' samples do.
  await flip({ create_source: "omitted" });
  const bare = await call("POST", "/streams");
  assert.equal(bare.status, 201);
  assert.equal("source" in bare.json, false);
  await flip({ create_source: "present" });
  // §16.8: asking before the first frame is a validation error instead of segment_empty.
  const empty = await call("POST", "/chat/completions", { body: ask(frameRef(bare.json.id)) });
  assert.deepEqual([empty.status, empty.json.detail.error.code], [404, "segment_empty"]);
  await flip({ before_first_frame: "validation_error" });
  const early = await call("POST", "/chat/completions", { body: ask(frameRef(bare.json.id)) });
  assert.equal(early.status, 422);
  assert.equal(early.json.error, "validation_error");
  await flip({ before_first_frame: "segment_empty" });
  // §16.15: another key's stream in chat is 404 instead of 403.
  await flip({ other_owner_chat: "not_found" });
  const foreign = await call("POST", "/chat/completions", { key: OTHER_KEY, body: ask(frameRef(live.id)) });
  assert.deepEqual([foreign.status, foreign.json.detail.error.code], [404, "stream_not_found"]);
  await flip({ other_owner_chat: "forbidden" });
  // §16.25: SSE chunks in Overshoot's schema only; the openai client still reads them.
  await flip({ sse_chunks: "schema" });
  const raw = await call("POST", "/chat/completions", { body: { ...ask(frameRef(live.id)), stream: true } });
  const events = raw.text.split("\n\n").filter(Boolean);
  assert.equal(events.at(-1), "data: [DONE]");
  const first = JSON.parse(events[0].slice("data: ".length));
  assert.deepEqual(Object.keys(first).sort(), ["choices", "usage"]);
  const pieces = [];
  for await (const chunk of await client.chat.completions.create({ ...ask(frameRef(live.id)), stream: true })) {
    pieces.push(chunk.choices[0]?.delta?.content ?? "");
  }
  assertRedFrames(pieces.join(""), 1);
  await flip({ sse_chunks: "openai" });
  // §16.12: older docs' 402 on create, by fault.
  await emu("/__emulator/v1beta/faults", { api_key: KEY, create_insufficient_credits: 1 });
  const broke = await call("POST", "/streams");
  assert.deepEqual([broke.status, broke.json], [402, { detail: "Insufficient credits" }]);
  assert.equal((await call("DELETE", `/streams/${bare.json.id}`)).status, 200);
});

test("an optional cap on concurrent streams answers 429 {detail} (none by default)", async () => {
  const mine = (await (await fetch(emulator.url + "/__emulator/v1beta/streams")).json()).streams
    .filter((s) => s.status.state === "active").length;
  await emu("/__emulator/v1beta/config", { max_streams_per_key: mine + 1 });
  const one = await call("POST", "/streams");
  assert.equal(one.status, 201);
  const over = await call("POST", "/streams");
  assert.equal(over.status, 429);
  assert.equal(typeof over.json.detail, "string");
  const others = await call("POST", "/streams", { key: OTHER_KEY });
  assert.equal(others.status, 201, "the cap is per key");
  await emu("/__emulator/v1beta/config", { max_streams_per_key: 0 });
  assert.equal((await call("DELETE", `/streams/${one.json.id}`)).status, 200);
  assert.equal((await call("DELETE", `/streams/${others.json.id}`, { key: OTHER_KEY })).status, 200);
});

test("GET /models needs no key and has the v1beta shape", async () => {
  const r = await call("GET", "/models", { key: null });
  assert.equal(r.status, 200);
  assert.equal(r.json.object, "list");
  assert.ok(r.json.data.some((m) => m.id === MODEL));
  for (const m of r.json.data) assert.deepEqual(Object.keys(m).sort(), ["created", "id", "object", "owned_by", "status"]);
  const listed = [];
  for await (const m of client.models.list()) listed.push(m.id);
  assert.ok(listed.includes(MODEL));
});
