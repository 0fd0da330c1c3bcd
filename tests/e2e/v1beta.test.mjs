// The package in v1beta mode (`apiUrl` ending in `/v1beta`) against the emulator, in
// headless Chromium with the real livekit-client: the fake red camera is published into
// the room `POST /v1beta/streams` names, the emulator decodes it, and every answer comes
// from `/chat/completions` about those frames. Periodic results, ask() (frame and clip),
// streamed partials, the lease's fresh tokens reaching the room, stop() leaving nothing,
// and the chat error matrix as typed errors carrying `code`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor } from "./harness.mjs";

/** Lifetime of the emulator's LiveKit tokens: short, so a rejoin with the first one fails. */
const TOKEN_TTL = 3;
/** The v1beta lease: renewed every ttl/3 = 2 s, each renewal with a fresh publish token. */
const LEASE_TTL = 6;
const RED = /^red: mean RGB \(2\d\d, \d{1,2}, \d{1,2}\) over (\d+) frames? at \d+x\d+$/;
let emulator, browser, page;

const post = (path, body) => fetch(emulator.url + path, {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}),
}).then((r) => r.json());
const v1Streams = async () => (await (await fetch(emulator.url + "/__emulator/v1beta/streams")).json()).streams;
const inPage = (fn, arg) => page.evaluate(fn, arg);
const faults = (f) => post("/__emulator/v1beta/faults", { api_key: KEY, ...f });

/** Starts a v1beta session in the page (`window.current`), recording partials too. */
function session(options = {}) {
  return page.evaluate(async (options) => {
    const partials = [];
    const resultTimes = [];
    const s = window.recordSession({
      apiUrl: location.origin + "/v1beta",
      livekitClient: () => import("/vendor/livekit-client.mjs"),
      clipProcessing: { target_fps: 6, clip_length_seconds: 1, delay_seconds: 0.5 },
      onResult: (r) => {
        window.current.results.push(r);
        resultTimes.push(Date.now());
      },
      ...(options.stream ? { stream: true, onPartial: (p) => partials.push({ ...p, at: Date.now() }) } : {}),
      ...options.config,
    });
    s.partials = partials;
    s.resultTimes = resultTimes;
    const started = await s.tryStart();
    return { started, startError: s.startError };
  }, options);
}

/** The page's current session: stopped, and its results. */
const stopCurrent = () => inPage(async () => {
  await window.current.vision.stop();
  return window.current.states;
});

/** ask() in the page; a rejection comes back as `{error: {name, code, status, message}}`. */
const ask = (question, options) => inPage(async ({ question, options }) => {
  try {
    const r = await window.current.vision.ask(question, options);
    return { result: { ...r, json: undefined }, parsed: (() => { try { return r.json(); } catch { return null; } })() };
  } catch (e) {
    return { error: { name: e.name, code: e.code, status: e.status, message: e.message, instance: e instanceof window.sdk.OvershootError } };
  }
}, { question, options });

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({
    www: join(ROOT, "tests/e2e/www"), pkg: pkgDir,
    extraArgs: ["--livekit-token-ttl", String(TOKEN_TTL), "--v1beta-ttl", String(LEASE_TTL)],
  });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await browser.newPage();
  page.on("console", (m) => { if (process.env.LK_DEBUG) console.log("page:", m.text()); });
  await page.route("**/vendor/livekit-client.mjs", (route) => route.fulfill({
    body: readFileSync(join(ROOT, "node_modules/livekit-client/dist/livekit-client.esm.mjs")),
    contentType: "text/javascript",
  }));
  await page.goto(emulator.url + "/");
  await page.waitForFunction(() => window.sdkReady === true);
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  await emulator?.stop();
  if (process.env.LK_DEBUG) console.log(emulator?.log());
});

test("periodic questions answer red from the fake camera published through LiveKit, in the streams API's result shape", { timeout: 90_000 }, async () => {
  assert.deepEqual(await session(), { started: true, startError: undefined });
  const id = await inPage(() => window.current.vision.getStreamId());
  await inPage(() => window.current.untilResults(3, 30000));
  const results = await inPage(() => window.current.results.map((r) => ({ ...r, hasJson: typeof r.json === "function" })));
  for (const r of results) {
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.match(r.result, RED);
    assert.equal(r.stream_id, id);
    assert.equal(r.mode, "clip");
    assert.equal(r.prompt, "What colour?");
    assert.equal(r.error, null);
    assert.equal(r.finish_reason, "stop");
    assert.ok(r.total_latency_ms > 0 && r.usage.total_tokens > 0, JSON.stringify(r));
    assert.ok(r.hasJson);
  }
  // Clip mode: the last clip_length_seconds (1 s) at target_fps (6): at most 6 frames.
  for (const r of results) assert.ok(Number(RED.exec(r.result)[1]) <= 6, r.result);
  const stats = await inPage(() => window.current.vision.getStats());
  assert.ok(stats.resultsReceived >= 3, JSON.stringify(stats));
  assert.equal(stats.state, "streaming");
  const states = await stopCurrent();
  assert.deepEqual(states.slice(0, 3), ["starting", "connecting", "streaming"]);
});

test("never more than one question in flight: a slow answer delays the next question instead of piling them up", { timeout: 90_000 }, async () => {
  assert.deepEqual(await session(), { started: true, startError: undefined });
  await inPage(() => window.current.untilResults(1, 30000));
  // Every answer now takes 1.5 s; questions are due every 0.5 s (delay_seconds).
  await faults({ chat_delay_ms: 1500 });
  try {
    const from = await inPage(() => window.current.results.length);
    await inPage((n) => window.current.untilResults(n, 30000), from + 4);
    const times = await inPage((from) => window.current.resultTimes.slice(from), from);
    for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 1400, `results ${times.map((t) => t - times[0])}`);
  } finally {
    await faults({ chat_delay_ms: 0 });
  }
  await stopCurrent();
});

test("a canvas source (a track the app draws) is published and answered like the camera", { timeout: 90_000 }, async () => {
  const started = await inPage(async () => {
    const canvas = document.createElement("canvas");
    canvas.width = 320;
    canvas.height = 240;
    const g = canvas.getContext("2d");
    const paint = () => { g.fillStyle = "rgb(20, 20, 230)"; g.fillRect(0, 0, 320, 240); };
    paint();
    window.painter = setInterval(paint, 50);
    const s = window.recordSession({
      apiUrl: location.origin + "/v1beta",
      livekitClient: () => import("/vendor/livekit-client.mjs"),
      source: { type: "canvas", canvas, fps: 15 },
      frameProcessing: { interval_seconds: 0.5 },
    });
    return s.tryStart();
  });
  assert.equal(started, true);
  await inPage(() => window.current.untilResults(2, 30000));
  const results = await inPage(() => window.current.results.map((r) => r.result));
  for (const r of results) assert.match(r, /^blue: mean RGB \(\d{1,2}, \d{1,2}, 2\d\d\) over 1 frames at 320x240$/, r);
  await stopCurrent();
  await inPage(() => clearInterval(window.painter));
});

test("ask(): one frame or the last seconds now, getStatus() telemetry and a viewer token; updatePrompt() changes the next question", { timeout: 90_000 }, async () => {
  // No periodic prompt: only ask() asks.
  assert.deepEqual(await session({ config: { prompt: undefined } }), { started: true, startError: undefined });
  const frame = await ask("What colour is it?", { frame: true });
  assert.match(frame.result.result, RED, JSON.stringify(frame));
  assert.equal(RED.exec(frame.result.result)[1], "1");
  assert.equal(frame.result.mode, "frame");
  assert.equal(frame.result.prompt, "What colour is it?");
  await new Promise((r) => setTimeout(r, 2500)); // more than 2 s of frames retained
  const clip = await ask("What happened?", { clipSeconds: 2 });
  assert.equal(clip.result.mode, "clip");
  const frames = Number(RED.exec(clip.result.result)[1]);
  assert.ok(frames >= 6 && frames <= 13, clip.result.result); // 2 s at 6 fps
  const status = await inPage(() => window.current.vision.getStatus());
  assert.equal(status.state, "active");
  assert.ok(status.last_frame_index > 10 && status.recent_fps > 0, JSON.stringify(status));
  const view = await inPage(() => window.current.vision.viewerToken());
  assert.equal(view.view.type, "livekit");
  assert.equal(JSON.parse(Buffer.from(view.view.token.split(".")[1], "base64url")).video.canPublish, false);
  assert.equal(await inPage(() => window.current.results.length), 0, "no periodic prompt, no periodic results");
  await inPage(() => window.current.vision.updatePrompt("Which colour now?"));
  await inPage(() => window.current.untilResults(2, 30000));
  assert.equal(await inPage(() => window.current.results[0].prompt), "Which colour now?");
  await stopCurrent();
});

test("streamed answers: partial results arrive before the final one, which has the whole text", { timeout: 90_000 }, async () => {
  assert.deepEqual(await session({ stream: true }), { started: true, startError: undefined });
  await inPage(() => window.current.untilResults(1, 30000));
  const { partials, finalAt, final } = await inPage(() => {
    const s = window.current;
    return { partials: s.partials, final: { ...s.results[0] }, finalAt: s.resultTimes[0] };
  });
  // One question in flight at a time: the partials before the first result are its own.
  const mine = partials.filter((p) => p.at <= finalAt);
  assert.ok(mine.length >= 3, `partials: ${JSON.stringify(partials)}`);
  for (const p of mine) assert.equal(p.partial, true);
  // Text grows word by word and ends as the final answer.
  for (let i = 1; i < mine.length; i++) assert.ok(mine[i].result.startsWith(mine[i - 1].result), JSON.stringify(mine));
  assert.ok(final.result.startsWith(mine.at(-1).result));
  assert.match(final.result, RED);
  assert.ok(final.usage.total_tokens > 0, "the final usage chunk is read");
  assert.ok(final.partial === undefined);
  // ask() streams too, with its own onPartial.
  const seen = await inPage(async () => {
    const pieces = [];
    const r = await window.current.vision.ask("Colour?", { frame: true, onPartial: (p) => pieces.push([p.result, Date.now()]) });
    return { pieces, result: r.result, at: Date.now() };
  });
  assert.ok(seen.pieces.length >= 3, JSON.stringify(seen));
  assert.ok(seen.pieces[0][1] < seen.at, "the first partial came before the answer");
  assert.equal(seen.pieces.at(-1)[0], seen.result);
  await stopCurrent();
});

test("the lease renews with fresh publish tokens handed to the room: after the first token expired, a server-ended room is rejoined and answers go on", { timeout: 90_000 }, async () => {
  assert.deepEqual(await session(), { started: true, startError: undefined });
  const id = await inPage(() => window.current.vision.getStreamId());
  await inPage(() => window.current.untilResults(2, 30000));
  await new Promise((r) => setTimeout(r, (TOKEN_TTL + 1) * 1000));
  const renewed = (await v1Streams()).find((s) => s.id === id);
  assert.ok(renewed.keepalives >= 1, JSON.stringify(renewed));
  const mark = emulator.log().length;
  const before = await inPage(() => window.current.results.length);
  assert.equal((await post(`/__emulator/livekit/rooms/${id}/end`)).room, id);
  await waitFor(async () => (await inPage(() => window.current.results.length)) >= before + 3, 30000, "answers after the rejoin");
  const lines = emulator.log().slice(mark).split("\n").filter((l) => l.startsWith("livekit: "));
  assert.ok(lines.some((l) => / joined room /.test(l)), lines.join("\n"));
  assert.ok(!lines.some((l) => /join refused/.test(l)), lines.join("\n"));
  const status = await inPage(() => window.current.vision.getStatus());
  assert.ok(status.last_frame_at_ms > Date.now() - 3000, "frames flow again");
  const recent = await inPage(() => window.current.results.slice(-2).map((r) => r.result));
  for (const r of recent) assert.match(r, RED);
  await stopCurrent();
});

test("switchCamera() keeps the stream and the room; stop() leaves the room, stops the camera and deletes the stream", { timeout: 90_000 }, async () => {
  assert.deepEqual(await session(), { started: true, startError: undefined });
  const id = await inPage(() => window.current.vision.getStreamId());
  await inPage(() => window.current.untilResults(1, 30000));
  const switched = await inPage(async () => {
    const old = window.current.vision.getMediaStream().getVideoTracks()[0];
    await window.current.vision.switchCamera("user");
    const now = window.current.vision.getMediaStream().getVideoTracks()[0];
    return { oldState: old.readyState, newState: now.readyState, same: old === now };
  });
  assert.deepEqual(switched, { oldState: "ended", newState: "live", same: false });
  // The old track is stopped: frames ingested from now on are the new track's.
  const { last_frame_index: before } = await inPage(() => window.current.vision.getStatus());
  await waitFor(async () => (await inPage(() => window.current.vision.getStatus())).last_frame_index > before + 10, 15000, "the new track's frames");
  assert.match((await ask("colour?", { frame: true })).result?.result ?? "", RED);
  assert.equal(await inPage(() => window.current.vision.getStreamId()), id);
  const mark = emulator.log().length;
  const states = await stopCurrent();
  assert.deepEqual(states.slice(-2), ["stopping", "stopped"]);
  const stream = (await v1Streams()).find((s) => s.id === id);
  assert.equal(stream.status.state, "ended");
  assert.equal(stream.status.end_reason, "deleted");
  const after = await inPage(() => ({
    media: window.current.vision.getMediaStream() ?? null,
    active: window.current.vision.isActive(),
    errors: window.current.errors,
  }));
  assert.deepEqual(after, { media: null, active: false, errors: [] });
  await waitFor(() => emulator.log().slice(mark).includes("left room"), 5000, "the participant left the room")
    .catch(() => assert.fail(emulator.log().slice(mark)));
  const late = await ask("still there?", { frame: true });
  assert.equal(late.error.name, "ValidationError");
});

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
