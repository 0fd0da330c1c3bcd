// The package in v1beta mode against the emulator (set-up in v1beta-session.mjs): the chat
// error matrix as typed errors carrying `code`, the streams API's refusal of ask(), the
// shared chat conformance cases, the §16 readings, region_error, and structured answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { KEY, ROOT } from "./harness.mjs";
import { RED, post, inPage, faults, session, stopCurrent, ask, useV1betaPage } from "./v1beta-session.mjs";

useV1betaPage();

test("chat errors reach the app as typed errors carrying the server's code", { timeout: 120_000 }, async () => {
  assert.deepEqual(await session({ config: { prompt: undefined } }), { started: true, startError: undefined });
  const matrix = [
    ["stream_not_found", "NotFoundError", 404],
    ["stream_unauthorized", "UnauthorizedError", 403],
    ["billing_denied", "InsufficientCreditsError", 402],
    ["segment_empty", "ValidationError", 404],
    ["frame_evicted", "ValidationError", 410],
    ["frame_not_yet_produced", "ValidationError", 409],
    ["query_param_invalid", "ValidationError", 400],
    ["model_video_unsupported", "ValidationError", 400],
    ["provider_safety_block", "ApiError", 400],
    ["upstream_timeout", "ServerError", 504],
    ["upstream_http_500", "ServerError", 502],
  ];
  for (const [code, name, status] of matrix) {
    await faults({ chat_error: code, chat_error_count: 1 });
    const { error } = await ask("colour?", { frame: true });
    assert.deepEqual({ name: error?.name, code: error?.code, status: error?.status, instance: error?.instance },
      { name, code, status, instance: true }, `${code}: ${JSON.stringify(error)}`);
  }
  // 429: retry-after honoured once, then the answer.
  await faults({ rate_limited: 1 });
  const t0 = Date.now();
  const retried = await ask("colour?", { frame: true });
  assert.match(retried.result?.result ?? "", RED, JSON.stringify(retried));
  assert.ok(Date.now() - t0 >= 900, "waited for retry-after");
  await faults({ rate_limited: 2 });
  const limited = await ask("colour?", { frame: true });
  assert.equal(limited.error?.name, "RateLimitError", JSON.stringify(limited));
  assert.equal(limited.error?.status, 429);
  // 503 model_unavailable is retried (0.5 s, 1 s, 2 s): one failure, then the answer.
  await faults({ chat_error: "model_unavailable", chat_error_count: 1 });
  assert.match((await ask("colour?", { frame: true })).result?.result ?? "", RED);
  // Wrong region: the stream moves; the 409 names the owner and the call is retried there once.
  const id = await inPage(() => window.current.vision.getStreamId());
  await post(`/__emulator/v1beta/streams/${id}/region`, { region: "us-central1" });
  const status = await inPage(() => window.current.vision.getStatus());
  assert.equal(status.id, id);
  assert.match((await ask("colour?", { frame: true })).result?.result ?? "", RED, "later calls name the new region");
  await post(`/__emulator/v1beta/streams/${id}/region`, { region: "us-west1" });
  await stopCurrent();
});

test("the streams API has no per-question call: ask() rejects with a typed error that says so", { timeout: 30_000 }, async () => {
  const error = await inPage(async () => {
    const vision = new window.sdk.RealtimeVision({ apiKey: "emulator-key", apiUrl: location.origin, prompt: "p", onResult() {} });
    try {
      await vision.ask("colour?", { frame: true });
      return null;
    } catch (e) {
      return { name: e.name, code: e.code, message: e.message };
    }
  });
  assert.equal(error.name, "ValidationError");
  assert.equal(error.code, "unsupported_by_api");
  assert.match(error.message, /streams API has no per-question call/);
});

test("conformance: StreamClient.chatCompletions surfaces the emulator's verdict on every shared chat case", { timeout: 60_000 }, async () => {
  const { cases } = JSON.parse(readFileSync(join(ROOT, "protocol/tests/fixtures/v1beta/chat_cases.json"), "utf8"));
  const verdicts = await inPage(async ({ cases, key }) => {
    const client = new window.sdk.StreamClient({ apiKey: key, apiUrl: location.origin + "/v1beta" });
    // `loc` of a 422 (`["body", "messages", 0, "role"]`) as the cases name a field.
    const field = (loc) => loc.slice(1).map((p) => (/^\d+$/.test(String(p)) ? `[${p}]` : `.${p}`)).join("").replace(/^\./, "");
    const out = [];
    for (const { request } of cases) {
      try {
        await client.chatCompletions(request);
        out.push("ok");
      } catch (e) {
        if (!(e instanceof window.sdk.OvershootError)) out.push(`not typed: ${e}`);
        // Refused before sending (the package checks model and messages itself).
        else if (e.name === "ValidationError" && e.status === undefined) out.push(e.details.field);
        else if (e.code === "validation_error") out.push(e.name === "ValidationError" && e.status === 422 ? field(e.details.details[0].loc) : `${e.name} ${e.status}`);
        else out.push(`code ${e.code} ${e.name} ${e.status}`);
      }
    }
    return out;
  }, { cases, key: KEY });
  const statusOf = { query_param_invalid: 400, stream_url_invalid: 400 };
  for (const [i, c] of cases.entries()) {
    const got = verdicts[i];
    if (c.code) assert.equal(got, `code ${c.code} ValidationError ${statusOf[c.code]}`, c.name);
    else if (c.verdict !== "ok") assert.equal(got, c.verdict, c.name);
    // Valid requests pass every check and reach the model lookup: the fixture's model
    // "m" is not one the emulator serves.
    else assert.equal(got, "code model_not_found NotFoundError 404", c.name);
  }
});

test("§16: where the docs disagree, the package accepts the other documented reading too", { timeout: 90_000 }, async () => {
  const readings = { create_source: "omitted", sse_chunks: "schema", chat_region_error: "region_error", repeat_delete: "not_found" };
  await post("/__emulator/v1beta/config", readings);
  try {
    // No `source` in the create answer; SSE chunks without OpenAI's id/object/created/model/index.
    assert.deepEqual(await session({ stream: true }), { started: true, startError: undefined });
    await inPage(() => window.current.untilResults(2, 30000));
    const { partials, results } = await inPage(() => ({ partials: window.current.partials.length, results: window.current.results }));
    assert.ok(partials >= 3, `partials: ${partials}`);
    for (const r of results) assert.match(r.result, RED);
    // A chat 409 in the stream endpoints' region_error shape names the owner: retried there.
    const id = await inPage(() => window.current.vision.getStreamId());
    await post(`/__emulator/v1beta/streams/${id}/region`, { region: "us-central1" });
    const moved = await ask("colour?", { frame: true });
    assert.match(moved.result?.result ?? "", RED, JSON.stringify(moved));
    await post(`/__emulator/v1beta/streams/${id}/region`, { region: "us-west1" });
    await stopCurrent();
    // A repeated DELETE answered 404: done, not an error.
    const again = await inPage(async (id) => {
      const client = new window.sdk.StreamClient({ apiKey: "emulator-key", apiUrl: location.origin + "/v1beta" });
      try {
        return { answer: await client.closeStream(id) };
      } catch (e) {
        return { error: e.name };
      }
    }, id);
    assert.deepEqual(again, { answer: null });
  } finally {
    await post("/__emulator/v1beta/config", { create_source: "present", sse_chunks: "openai", chat_region_error: "chat_envelope", repeat_delete: "again" });
  }
});

test("the chat envelope's region_error names no region: the session learns it from a stream call and asks again; StreamClient reports it typed", { timeout: 90_000 }, async () => {
  assert.deepEqual(await session({ config: { prompt: undefined } }), { started: true, startError: undefined });
  const id = await inPage(() => window.current.vision.getStreamId());
  await ask("colour?", { frame: true });
  // A client that learned the stream's region (us-west1) from a stream call.
  await inPage(async (id) => {
    window.client = new window.sdk.StreamClient({ apiKey: "emulator-key", apiUrl: location.origin + "/v1beta" });
    await window.client.getStream(id);
  }, id);
  await post(`/__emulator/v1beta/streams/${id}/region`, { region: "us-central1" });
  assert.match((await ask("colour?", { frame: true })).result?.result ?? "", RED);
  // StreamClient passes the chat call through as it is: the 409 comes back typed.
  const failed = await inPage(async (id) => {
    const client = window.client;
    try {
      await client.chatCompletions({ model: "google/gemma-4-26B-A4B-it", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `ovs://streams/${id}?frame_index=-1` } }] }] });
      return null;
    } catch (e) {
      return { name: e.name, code: e.code, status: e.status };
    }
  }, id);
  assert.deepEqual(failed, { name: "ApiError", code: "region_error", status: 409 });
  await post(`/__emulator/v1beta/streams/${id}/region`, { region: "us-west1" });
  await stopCurrent();
});

/** The app's schema for structured answers: every kind of property a schema fills. */
const SCHEMA = {
  type: "object",
  properties: {
    colour: { type: "string", enum: ["red", "green", "blue", "other"] },
    description: { type: "string" },
    frames: { type: "integer", minimum: 0 },
    confident: { type: "boolean" },
    tags: { type: "array", items: { type: "string" } },
  },
  required: ["colour", "description", "frames", "confident", "tags"],
  additionalProperties: false,
};

test("structured answers (outputSchema → response_format json_schema) validate against the app's schema", {
  timeout: 90_000,
}, async () => {
  const validate = new Ajv({ strict: true }).compile(SCHEMA);
  assert.deepEqual(await session({ config: { outputSchema: SCHEMA, frameProcessing: { interval_seconds: 0.5 }, clipProcessing: undefined } }),
    { started: true, startError: undefined });
  try {
    await inPage(() => window.current.untilResults(2, 30000));
    const answers = await inPage(() => window.current.results.map((r) => r.json()));
    const asked = await ask("Describe it", { frame: true });
    for (const answer of [...answers, asked.parsed]) {
      assert.ok(validate(answer), `${JSON.stringify(answer)}: ${JSON.stringify(validate.errors)}`);
      assert.equal(answer.colour, "red");
    }
  } finally {
    await stopCurrent();
  }
});
