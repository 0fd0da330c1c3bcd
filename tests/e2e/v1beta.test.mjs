// The package in v1beta mode (`apiUrl` ending in `/v1beta`) against the emulator, in
// headless Chromium with the real livekit-client: the fake red camera is published into
// the room `POST /v1beta/streams` names, the emulator decodes it, and every answer comes
// from `/chat/completions` about those frames. Periodic results, ask() (frame and clip),
// streamed partials, the lease's fresh tokens reaching the room and stop() leaving nothing
// (set-up in v1beta-session.mjs; the error matrix is in v1beta-errors.test.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { waitFor } from "./harness.mjs";
import { ctx, TOKEN_TTL, RED, post, v1Streams, inPage, faults, session, stopCurrent, ask, useV1betaPage } from "./v1beta-session.mjs";

useV1betaPage();

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
  const mark = ctx.emulator.log().length;
  const before = await inPage(() => window.current.results.length);
  assert.equal((await post(`/__emulator/livekit/rooms/${id}/end`)).room, id);
  await waitFor(async () => (await inPage(() => window.current.results.length)) >= before + 3, 30000, "answers after the rejoin");
  const lines = ctx.emulator.log().slice(mark).split("\n").filter((l) => l.startsWith("livekit: "));
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
  const mark = ctx.emulator.log().length;
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
  await waitFor(() => ctx.emulator.log().slice(mark).includes("left room"), 5000, "the participant left the room")
    .catch(() => assert.fail(ctx.emulator.log().slice(mark)));
  const late = await ask("still there?", { frame: true });
  assert.equal(late.error.name, "ValidationError");
});
