// The emulator's v1beta chat completions end to end: a Chromium page publishes a fake
// red camera with the real livekit-client into a v1beta stream, and the official
// `openai` npm client, pointed at `<emulator>/v1beta`, asks about those frames (JSON,
// SSE, structured output, typed errors); raw fetches check the documented error shapes
// and regions. The streams side is in v1beta-emulator-streams.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { KEY, waitFor } from "./harness.mjs";
import {
  OTHER_KEY, MODEL, emulator, base, client, live, call, emu, frameRef, clipRef, ask, status,
  assertRedFrames, frameQuestionTokens, setupPublishingStream,
} from "./v1beta-emulator-shared.mjs";

setupPublishingStream();

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
  // Downsampled to 4 fps: 3 s give 12 frames (13 when both ends land on a frame), once
  // the stream holds more than 3 s of frames (this file's first clip question).
  await waitFor(async () => {
    const s = await status(live.id);
    return s.last_frame_at_ms - s.first_frame_at_ms >= 3500;
  }, 10_000, "3.5 s of frames");
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
  const mixed = await client.chat.completions.create(ask({ type: "image_url", image_url: { url: "https://example.com/cat.png" } }, frameRef(live.id)));
  assert.match(mixed.choices[0].message.content, /^an external URL \(the emulator does not fetch it\); red: /);
  const json = await client.chat.completions.create({ ...ask(clipRef(live.id, "start_offset_ms=-1000&max_fps=5")), response_format: { type: "json_object" } });
  const seen = JSON.parse(json.choices[0].message.content);
  assert.equal(seen.colour, "red");
  assert.ok(seen.frames >= 4 && seen.frames <= 6, JSON.stringify(seen));
  assert.equal(seen.width * 3, seen.height * 4);
});

/** An app's strict schema, as OpenAI's structured outputs take it. */

const SCHEMA = {
  type: "object", additionalProperties: false,
  required: ["colour", "frames", "size", "confidence", "tags"],
  properties: {
    colour: { type: "string", enum: ["blue", "green", "red", "other"] },
    frames: { type: "integer", minimum: 1 },
    size: {
      type: "object", additionalProperties: false, required: ["width", "height"],
      properties: { width: { type: "integer" }, height: { type: "integer" } },
    },
    confidence: { type: "number", minimum: 0, maximum: 1 },
    tags: { type: "array", minItems: 1, maxItems: 3, items: { type: "string" } },
  },
};

test("the openai client: response_format json_schema answers JSON that validates against the app's schema (Ajv) and says red", async () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  const validate = ajv.compile(SCHEMA);
  const response_format = { type: "json_schema", json_schema: { name: "scene", schema: SCHEMA, strict: true } };
  const frame = await client.chat.completions.create({ ...ask(frameRef(live.id)), response_format });
  const clip = await client.chat.completions.create({ ...ask(clipRef(live.id, "start_offset_ms=-2000&max_fps=5")), response_format });
  for (const answer of [frame, clip]) {
    const value = JSON.parse(answer.choices[0].message.content);
    assert.ok(validate(value), `${answer.choices[0].message.content}: ${ajv.errorsText(validate.errors)}`);
    assert.equal(value.colour, "red");
    assert.equal(value.size.width * 3, value.size.height * 4);
  }
  assert.equal(JSON.parse(frame.choices[0].message.content).frames, 1);
  const clipFrames = JSON.parse(clip.choices[0].message.content).frames;
  assert.ok(clipFrames >= 9 && clipFrames <= 11, String(clipFrames));
  // Streamed, the pieces join into the same kind of JSON.
  const parts = [];
  for await (const chunk of await client.chat.completions.create({ ...ask(frameRef(live.id)), response_format, stream: true })) {
    if (chunk.choices[0]?.delta?.content) parts.push(chunk.choices[0].delta.content);
  }
  assert.ok(parts.length >= 5, `${parts.length} chunks`);
  assert.ok(validate(JSON.parse(parts.join(""))), parts.join(""));
  // A schema the emulator cannot answer: 422 naming it.
  const unanswerable = { type: "object", required: ["x"], properties: { x: { $ref: "https://example.com/other.json" } } };
  const refused = await call("POST", "/chat/completions", { body: { ...ask(frameRef(live.id)), response_format: { type: "json_schema", json_schema: { name: "bad", schema: unanswerable } } } });
  assert.equal(refused.status, 422, refused.text);
  assert.deepEqual(refused.json.details[0].loc, ["body", "response_format", "json_schema", "schema"]);
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

test("a recursive response_format schema is a 422, quickly, and the emulator answers the next question", async () => {
  const hostile = [
    { anyOf: [{ $ref: "#" }] },
    { $defs: { a: { oneOf: [{ $ref: "#/$defs/a" }, { type: "null" }] } }, type: "object", properties: { x: { $ref: "#/$defs/a" } }, required: ["x"] },
    { type: "array", minItems: 1e18, items: { type: "integer" } },
  ];
  for (const schema of hostile) {
    const started = Date.now();
    const r = await call("POST", "/chat/completions", { body: { ...ask(frameRef(live.id)), response_format: { type: "json_schema", json_schema: { name: "hostile", schema } } } });
    assert.equal(r.status, 422, r.text);
    assert.deepEqual(r.json.details[0].loc, ["body", "response_format", "json_schema", "schema"]);
    assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
  }
  const after = await client.chat.completions.create(ask(frameRef(live.id)));
  assertRedFrames(after.choices[0].message.content, 1);
});
