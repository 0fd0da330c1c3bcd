// The emulator's v1beta API end to end: a Chromium page publishes a fake red camera with
// the real livekit-client into the room `POST /v1beta/streams` names, the emulator decodes
// it into the stream's frame store, and the official `openai` npm client, pointed at
// `<emulator>/v1beta`, asks about those frames (JSON, SSE, typed errors). Raw fetches
// check the documented error shapes, regions, leases, tombstones and tokens.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { KEY, ROOT, solidY4m, startEmulator, launchChromium, waitFor } from "./harness.mjs";

const OTHER_KEY = "other-key";
const MODEL = "google/gemma-4-26B-A4B-it";
let emulator, browser, page, base, client;
/** The stream the page publishes into, with its first create answer. */
let live;

const call = async (method, path, { key = KEY, body, headers = {} } = {}) => {
  const res = await fetch(base + path, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* SSE or empty */ }
  return { status: res.status, headers: res.headers, json, text };
};
const emu = (path, body) => fetch(emulator.url + path, {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}),
}).then((r) => r.json());
const frameRef = (id, query = "frame_index=-1") => ({ type: "image_url", image_url: { url: `ovs://streams/${id}?${query}` } });
const clipRef = (id, query) => ({ type: "video_url", video_url: { url: `ovs://streams/${id}?${query}` } });
const ask = (...parts) => ({ model: MODEL, messages: [{ role: "user", content: [{ type: "text", text: "What do you see?" }, ...parts] }] });
const status = async (id) => (await call("GET", `/streams/${id}`)).json;
/** `text` says red, `frames` frames, at a 4:3 size (the camera's 640x480, or a
 * layer livekit-client scaled down while its bandwidth estimate ramps up). */
const assertRedFrames = (text, frames) => {
  const m = /^red: mean RGB \(2\d\d, \d{1,2}, \d{1,2}\) over (\d+) frames at (\d+)x(\d+)$/.exec(text);
  assert.ok(m, text);
  assert.equal(Number(m[1]), frames, text);
  assert.equal(Number(m[2]) * 3, Number(m[3]) * 4, text);
  return { width: Number(m[2]), height: Number(m[3]) };
};
/** Prompt tokens of `ask(frame)`: the frame's (W×H)/2048 visual tokens plus 4 for the text. */
const frameQuestionTokens = ({ width, height }) => Math.ceil((width * height) / 2048) + 4;
/** The JWT claims of a LiveKit token (no verification: the emulator's join checks that). */
const claims = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());

before(async () => {
  emulator = await startEmulator({ www: join(ROOT, "tests/e2e/www"), extraArgs: ["--api-key", KEY, "--api-key", OTHER_KEY] });
  base = emulator.url + "/v1beta";
  client = new OpenAI({ apiKey: KEY, baseURL: base, maxRetries: 0 });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await browser.newPage();
  page.on("console", (m) => { if (process.env.LK_DEBUG) console.log("page:", m.text()); });
  await page.route("**/vendor/livekit-client.mjs", (route) => route.fulfill({
    body: readFileSync(join(ROOT, "node_modules/livekit-client/dist/livekit-client.esm.mjs")),
    contentType: "text/javascript",
  }));
  await page.goto(emulator.url + "/v1beta-publisher.html");
  // One publishing stream for the questions below.
  const created = await call("POST", "/streams", { body: {} });
  assert.equal(created.status, 201, created.text);
  live = created.json;
  await page.evaluate(async ({ url, token }) => {
    const lk = await import("/vendor/livekit-client.mjs");
    const room = (window.room = new lk.Room());
    await room.connect(url, token);
    const [track] = (await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } })).getVideoTracks();
    await room.localParticipant.publishTrack(track, { source: lk.Track.Source.Camera });
  }, live.publish);
  // The documented "wait for ingest" check, then two seconds of frames.
  await waitFor(async () => (await status(live.id)).last_frame_index >= 40, 30000, "40 frames ingested");
}, { timeout: 90_000 });

after(async () => {
  await browser?.close();
  await emulator?.stop();
  if (process.env.LK_DEBUG) console.log(emulator?.log());
});

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

test("the openai client: a frame question answers red, one frame at the published size, with usage", async () => {
  const answer = await client.chat.completions.create(ask(frameRef(live.id)));
  assert.equal(answer.object, "chat.completion");
  assert.equal(answer.model, MODEL);
  const [choice] = answer.choices;
  assert.equal(choice.message.role, "assistant");
  assert.equal(choice.finish_reason, "stop");
  const size = assertRedFrames(choice.message.content, 1);
  assert.equal(answer.usage.prompt_tokens, frameQuestionTokens(size), JSON.stringify(answer.usage));
  assert.equal(answer.usage.total_tokens, answer.usage.prompt_tokens + answer.usage.completion_tokens);
  assert.deepEqual(answer.overshoot.cache, { thread_id: null, cache_hit: false, cached_input_tokens: 0 });
});

test("the openai client: a clip question names a frame count consistent with fps × seconds", async () => {
  // Downsampled to 4 fps: 3 s give 12 frames (13 when both ends land on a frame).
  const sampled = await client.chat.completions.create(ask(clipRef(live.id, "start_offset_ms=-3000&max_fps=4")));
  const n = Number(/over (\d+) frames/.exec(sampled.choices[0].message.content)?.[1]);
  assert.ok(n >= 11 && n <= 13, sampled.choices[0].message.content);
  assert.match(sampled.choices[0].message.content, /^red: /);
  // Not downsampled (max_fps far above the ingest rate): a clip of the two seconds
  // between two GETs names the frames ingested in between (the frame after the first
  // GET's newest, up to the second GET's newest; a frame may share its millisecond
  // with another after a network hiccup and be sampled once).
  const a = await status(live.id);
  await new Promise((r) => setTimeout(r, 2000));
  const b = await status(live.id);
  const [from, to] = [a.last_frame_at_ms - a.first_frame_at_ms + 1, b.last_frame_at_ms - b.first_frame_at_ms + 1];
  const all = await client.chat.completions.create(ask(clipRef(live.id, `start_timestamp_ms=${from}&end_timestamp_ms=${to}&max_fps=1000`)));
  const m = Number(/over (\d+) frames/.exec(all.choices[0].message.content)?.[1]);
  const ingested = b.last_frame_index - a.last_frame_index;
  const seconds = (b.last_frame_at_ms - a.last_frame_at_ms) / 1000;
  assert.ok(m <= ingested && m >= ingested - 2, `${m} frames named, ${ingested} ingested in ${seconds} s`);
  assert.ok(ingested / seconds > 5, `ingest at ${ingested / seconds} fps`);
});

test("the openai client: thread_id reports the prompt cache, max_completion_tokens cuts the answer, json_object answers JSON", async () => {
  const thread = `t-${Date.now()}`;
  const first = await client.chat.completions.create({ ...ask(frameRef(live.id)), thread_id: thread });
  assert.deepEqual(first.overshoot.cache, { thread_id: thread, cache_hit: false, cached_input_tokens: 0 });
  const second = await client.chat.completions.create({ ...ask(frameRef(live.id)), thread_id: thread });
  assert.equal(second.overshoot.cache.cache_hit, true);
  assert.ok(second.overshoot.cache.cached_input_tokens > 0);
  const cut = await client.chat.completions.create({ ...ask(frameRef(live.id)), max_completion_tokens: 2 });
  assert.equal(cut.choices[0].finish_reason, "length");
  assert.equal(cut.choices[0].message.content, "red: mean ");
  assert.equal(cut.usage.completion_tokens, 2);
  const json = await client.chat.completions.create({ ...ask(clipRef(live.id, "start_offset_ms=-1000&max_fps=5")), response_format: { type: "json_object" } });
  const seen = JSON.parse(json.choices[0].message.content);
  assert.equal(seen.colour, "red");
  assert.ok(seen.frames >= 4 && seen.frames <= 6, JSON.stringify(seen));
  assert.equal(seen.width * 3, seen.height * 4);
});

test("the openai client: a streamed answer arrives as several chunks, then the usage chunk", async () => {
  const stream = await client.chat.completions.create({ ...ask(frameRef(live.id)), stream: true, stream_options: { include_usage: true } });
  const chunks = [];
  const arrivals = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    arrivals.push(Date.now());
  }
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
  const size = assertRedFrames(text, 1);
  const withText = chunks.filter((c) => c.choices[0]?.delta?.content);
  assert.ok(withText.length >= 5, `${withText.length} text chunks`);
  assert.ok(arrivals.at(-1) - arrivals[0] >= 100, "the chunks are spread out, not one burst");
  assert.equal(chunks[0].choices[0].delta.role, "assistant");
  assert.equal(chunks.at(-2).choices[0].finish_reason, "stop");
  assert.equal(chunks.at(-1).choices.length, 0);
  assert.equal(chunks.at(-1).usage.prompt_tokens, frameQuestionTokens(size));
  for (const c of chunks) assert.equal(c.object, "chat.completion.chunk");
});

test("the openai client: documented errors arrive as its typed errors", async () => {
  const gone = "00000000-0000-4000-8000-000000000000";
  await assert.rejects(client.chat.completions.create(ask(frameRef(gone))), (e) => {
    assert.ok(e instanceof OpenAI.NotFoundError, e.constructor.name);
    assert.equal(e.status, 404);
    return true;
  });
  await assert.rejects(client.chat.completions.create(ask(frameRef(live.id, "frame_index=1&frame_index=2"))), (e) => {
    assert.ok(e instanceof OpenAI.BadRequestError, e.constructor.name);
    return true;
  });
  await assert.rejects(client.chat.completions.create(ask(frameRef(live.id, "frame_index=99999999"))), (e) => {
    assert.ok(e instanceof OpenAI.ConflictError, e.constructor.name);
    return true;
  });
  await assert.rejects(new OpenAI({ apiKey: "wrong", baseURL: base, maxRetries: 0 }).chat.completions.create(ask(frameRef(live.id))), (e) => {
    assert.ok(e instanceof OpenAI.AuthenticationError, e.constructor.name);
    return true;
  });
  await emu("/__emulator/v1beta/faults", { api_key: KEY, rate_limited: 1 });
  await assert.rejects(client.chat.completions.create(ask(frameRef(live.id))), (e) => {
    assert.ok(e instanceof OpenAI.RateLimitError, e.constructor.name);
    assert.equal(e.headers.get("retry-after"), "1");
    assert.equal(e.headers.get("x-ratelimit-remaining"), "0");
    return true;
  });
  // With retries, the client honours retry-after and the next attempt succeeds.
  await emu("/__emulator/v1beta/faults", { api_key: KEY, rate_limited: 1 });
  const started = Date.now();
  const retried = await new OpenAI({ apiKey: KEY, baseURL: base, maxRetries: 1 }).chat.completions.create(ask(frameRef(live.id)));
  assert.match(retried.choices[0].message.content, /^red: /);
  assert.ok(Date.now() - started >= 900, `retried after ${Date.now() - started} ms`);
});

test("a slow model, by fault: every chat answer is held while chat_delay_ms is armed", async () => {
  await emu("/__emulator/v1beta/faults", { api_key: KEY, chat_delay_ms: 600 });
  const started = Date.now();
  await client.chat.completions.create(ask(frameRef(live.id)));
  assert.ok(Date.now() - started >= 600, `${Date.now() - started} ms`);
  await emu("/__emulator/v1beta/faults", { api_key: KEY });
  const quick = Date.now();
  await client.chat.completions.create(ask(frameRef(live.id)));
  assert.ok(Date.now() - quick < 600, `${Date.now() - quick} ms`);
});

test("raw chat errors: every documented shape and status", async () => {
  const chatErr = (r, status, code, type) => {
    assert.equal(r.status, status, r.text);
    assert.equal(r.json.detail.error.code, code, r.text);
    assert.equal(r.json.detail.error.type, type, r.text);
    assert.equal(typeof r.json.detail.error.message, "string");
  };
  chatErr(await call("POST", "/chat/completions", { body: ask(frameRef(live.id, "frame_index=99999999")) }), 409, "frame_not_yet_produced", "stream_error");
  chatErr(await call("POST", "/chat/completions", { body: ask(frameRef(live.id, "bogus=1")) }), 400, "query_param_invalid", "stream_error");
  chatErr(await call("POST", "/chat/completions", { body: ask({ type: "image_url", image_url: { url: "ovs://frames/x" } }) }), 400, "stream_url_invalid", "stream_error");
  chatErr(await call("POST", "/chat/completions", { body: ask(clipRef(live.id, "start_frame_index=5&end_frame_index=5")) }), 400, "segment_invalid", "stream_error");
  chatErr(await call("POST", "/chat/completions", { key: OTHER_KEY, body: ask(frameRef(live.id)) }), 403, "stream_unauthorized", "stream_error");
  chatErr(await call("POST", "/chat/completions", { body: { ...ask(clipRef(live.id, "start_offset_ms=-1000")), model: "gpt-5.4" } }), 400, "model_video_unsupported", "provider_error");
  // §16.6/§16.7: chat-completions.mdx's 422 behind a switch.
  await emu("/__emulator/v1beta/config", { alternative_statuses: true });
  chatErr(await call("POST", "/chat/completions", { body: ask(frameRef(live.id, "frame_index=99999999")) }), 422, "frame_not_yet_produced", "stream_error");
  await emu("/__emulator/v1beta/config", { alternative_statuses: false });
  // Billing and any documented code through the fault switches.
  await emu("/__emulator/v1beta/faults", { api_key: KEY, billing_denied: 1 });
  chatErr(await call("POST", "/chat/completions", { body: ask(frameRef(live.id)) }), 402, "billing_denied", "billing_error");
  await emu("/__emulator/v1beta/faults", { api_key: KEY, chat_error: "upstream_timeout" });
  chatErr(await call("POST", "/chat/completions", { body: ask(frameRef(live.id)) }), 504, "upstream_timeout", "upstream_error");
  await emu("/__emulator/v1beta/faults", { api_key: KEY, chat_error: "model_unavailable" });
  chatErr(await call("POST", "/chat/completions", { body: ask(frameRef(live.id)) }), 503, "model_unavailable", "provider_error");
  // 422: the validation shape, naming the field.
  const invalid = await call("POST", "/chat/completions", { body: { model: MODEL, messages: [] } });
  assert.equal(invalid.status, 422);
  assert.deepEqual(invalid.json, { error: "validation_error", message: "Request validation failed", details: [{ loc: ["body", "messages"], msg: "must hold at least one message", type: "value_error" }] });
  // 401: the plain shape, the key never echoed.
  const denied = await call("POST", "/chat/completions", { key: "sk-secret-123", body: ask(frameRef(live.id)) });
  assert.equal(denied.status, 401);
  assert.deepEqual(Object.keys(denied.json), ["detail"]);
  assert.ok(!denied.text.includes("sk-secret-123"));
  // Success carries the region and rate-limit headers.
  const ok = await call("POST", "/chat/completions", { body: ask(frameRef(live.id)) });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("x-overshoot-region"), "us-west1");
  assert.equal(ok.headers.get("x-ratelimit-limit"), "50");
  assert.match(ok.headers.get("x-ratelimit-reset"), /^\d+$/);
});

test("regions: a wrong region header is 409 region_error; mixed regions in one chat are 409", async () => {
  const other = { "x-overshoot-region": "us-central1" };
  const wrong = await call("GET", `/streams/${live.id}`, { headers: other });
  assert.equal(wrong.status, 409);
  assert.deepEqual(wrong.json, { detail: { error: "region_error", expected_region: "us-west1", requested_region: "us-central1" } });
  assert.equal((await call("POST", `/streams/${live.id}/keepalive`, { headers: other })).status, 409);
  assert.equal((await call("POST", "/streams", { headers: other })).status, 409);
  const unknown = await call("GET", `/streams/${live.id}`, { headers: { "x-overshoot-region": "mars-1" } });
  assert.equal(unknown.status, 422);
  assert.deepEqual(unknown.json.details[0].loc, ["header", "x-overshoot-region"]);
  // Chat: the primary shape is the chat envelope (§16.16); the RegionError body behind a switch.
  const chat = await call("POST", "/chat/completions", { headers: other, body: ask(frameRef(live.id)) });
  assert.equal(chat.status, 409);
  assert.equal(chat.json.detail.error.code, "region_error");
  await emu("/__emulator/v1beta/config", { chat_region_error: "region_error" });
  const shaped = await call("POST", "/chat/completions", { headers: other, body: ask(frameRef(live.id)) });
  assert.deepEqual(shaped.json, wrong.json);
  await emu("/__emulator/v1beta/config", { chat_region_error: "chat_envelope" });
  // A second stream moved to us-central1: asking about both at once is 409.
  const second = (await call("POST", "/streams")).json;
  assert.deepEqual(await emu(`/__emulator/v1beta/streams/${second.id}/region`, { region: "us-central1" }), { id: second.id, moved: true });
  const mixed = await call("POST", "/chat/completions", { body: ask(frameRef(live.id), frameRef(second.id)) });
  assert.equal(mixed.status, 409, mixed.text);
  assert.equal((await call("GET", `/streams/${second.id}`, { headers: other })).headers.get("x-overshoot-region"), "us-central1");
  assert.equal((await call("DELETE", `/streams/${second.id}`)).status, 200);
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
