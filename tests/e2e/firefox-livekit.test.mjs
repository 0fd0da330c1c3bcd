// The LiveKit transports in headless Firefox ESR (driven through geckodriver): the real
// livekit-client (npm) publishes Firefox's fake camera into the emulator's LiveKit
// server, which decodes it (VP8) into results naming Firefox's green (the native
// transport, and a `{type:"livekit"}` source the page publishes itself); and a v1beta
// stream published with livekit-client's defaults (simulcast) ingests Firefox's frames.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KEY, ROOT, packedPackage, startEmulator, waitFor } from "./harness.mjs";
import { firefoxMediaIp, launchFirefox } from "./webdriver.mjs";

/** Lifetime of the emulator's LiveKit tokens here: short, so a rejoin with a stale one fails. */
const TOKEN_TTL = 3;
const MODEL = "google/gemma-4-26B-A4B-it";
/** A result or answer naming a colour, with its mean RGB, frame count and size. */
const COLOUR = /^(\w+): mean RGB \((\d+), (\d+), (\d+)\) over (\d+) frames at (\d+)x(\d+)$/;
let emulator, firefox, www;

// Runs in the page (through WebDriver). Geckodriver runs test scripts in a sandbox
// realm of their own: an `import()` made there evaluates livekit-client in that realm,
// whose `ArrayBuffer` is not the one the page's WebSocket hands out, and livekit-client's
// `instanceof ArrayBuffer` check then fails the join with "could not decode websocket
// message: object". An app imports it from its own page, as this does: a page script
// defines the loader, so livekit-client lives in the page's realm.
async function installPageImporter() {
  if (!window.importLivekit) {
    const script = document.createElement("script");
    script.textContent = 'window.importLivekit = () => import("/vendor/livekit-client.mjs");';
    document.head.append(script);
  }
  return typeof window.importLivekit;
}

const v1beta = (method, path, body) => fetch(`${emulator.url}/v1beta${path}`, {
  method,
  headers: { authorization: `Bearer ${KEY}`, ...(body ? { "content-type": "application/json" } : {}) },
  body: body ? JSON.stringify(body) : undefined,
}).then(async (r) => ({ status: r.status, json: await r.json() }));
const post = (path, body) => fetch(emulator.url + path, {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}),
}).then((r) => r.json());
const openStream = async () => (await emulator.streams()).open[0];
/** Starts the package's LiveKit transport in Firefox with the page's livekit-client. */
const startNative = () => firefox.run(async ({ key }) => {
  const s = window.recordSession({ apiKey: key, transport: "livekit", livekitClient: window.importLivekit });
  return { started: await s.tryStart(), startError: s.startError ?? null };
}, { key: KEY });
/** The colours named by the results from the `from`-th on. */
const colours = (from = 0) => firefox.run(async (from) => window.current.results.slice(from).map((r) => r.result.split(":")[0]), from);
const lkLog = (from = 0) => emulator.log().slice(from).split("\n").filter((l) => l.startsWith("livekit: "));

before(async () => {
  const { pkgDir } = packedPackage();
  // The test pages plus livekit-client at /vendor (Playwright routes it in Chromium;
  // WebDriver cannot, so the emulator serves a copy).
  www = mkdtempSync(join(tmpdir(), "ow-firefox-livekit-"));
  cpSync(join(ROOT, "tests/e2e/www"), www, { recursive: true });
  cpSync(join(ROOT, "node_modules/livekit-client/dist/livekit-client.esm.mjs"), join(www, "vendor/livekit-client.mjs"));
  emulator = await startEmulator({ ttl: 4, www, pkg: pkgDir, extraArgs: ["--media-ip", firefoxMediaIp(), "--livekit-token-ttl", String(TOKEN_TTL)] });
  firefox = await launchFirefox();
  await firefox.goto(emulator.url + "/?entry=full"); // overshoot-wasm/full: the LiveKit transport
  await firefox.run(async () => {
    while (!window.sdkReady) await new Promise((r) => setTimeout(r, 50));
  });
  assert.equal(await firefox.run(installPageImporter), "function");
}, { timeout: 60_000 });

after(async () => {
  await firefox?.quit();
  await emulator?.stop();
  if (www) rmSync(www, { recursive: true, force: true });
  if (process.env.LK_DEBUG) console.log(emulator?.log());
});

test("Firefox, native LiveKit transport: fake camera → VP8 decoded by the emulator → green results; stop() leaves the room and DELETEs", { timeout: 90_000 }, async () => {
  assert.deepEqual(await startNative(), { started: true, startError: null });
  const open = await openStream();
  assert.deepEqual([open.transport, open.room], ["native", open.stream_id]);
  assert.ok(lkLog().some((l) => l.includes(` joined room ${open.stream_id} via /rtc/v1`)), lkLog().join("\n"));

  await firefox.run(async () => window.current.untilResults(3, 30000));
  const results = await firefox.run(async () => window.current.results.map((r) => r.result));
  for (const r of results) assert.match(r, COLOUR);
  // Firefox's fake camera starts green (then slowly cycles its hue).
  const [, colour, r, g, b] = COLOUR.exec(results[0]);
  assert.equal(colour, "green", results[0]);
  assert.ok(Number(g) > 150 && Number(r) < 100 && Number(b) < 100, results[0]);
  const now = await openStream();
  assert.equal(now.codec, "VP8", "livekit-client publishes VP8 by default");
  assert.ok(now.frames_decoded >= 10, JSON.stringify(now));

  const mark = emulator.log().length;
  const stopped = await firefox.run(async () => {
    const stream = window.current.vision.getMediaStream();
    await window.current.vision.stop();
    return { state: window.current.vision.state, tracks: stream.getTracks().map((t) => t.readyState), errors: window.current.errors };
  });
  assert.deepEqual(stopped, { state: "stopped", tracks: ["ended"], errors: [] });
  await waitFor(() => lkLog(mark).some((l) => l.includes(` left room ${open.stream_id}`)), 5000, "a leave");
  const after = await emulator.streams();
  assert.equal(after.open.length, 0);
  const ended = after.ended.find((s) => s.stream_id === open.stream_id);
  assert.equal(ended?.end_reason, "client_requested", "stop() sent DELETE");
});

test("Firefox, native LiveKit transport: the room ends server-side, the package rejoins with the newest token (the first one has expired) and results go on", { timeout: 90_000 }, async () => {
  assert.deepEqual(await startNative(), { started: true, startError: null });
  const { stream_id: id } = await openStream();
  await firefox.run(async () => window.current.untilResults(2, 30000));
  // Past the first token's lifetime; keepalives brought fresh ones.
  await new Promise((r) => setTimeout(r, (TOKEN_TTL + 1) * 1000));
  const mark = emulator.log().length;
  const before = await firefox.run(async () => window.current.results.length);
  assert.deepEqual(await post(`/__emulator/livekit/rooms/${id}/end`), { room: id, participants_told: 1 });
  await waitFor(async () => (await firefox.run(async () => window.current.results.length)) >= before + 3, 30000, "results after the rejoin");
  const lines = lkLog(mark);
  assert.ok(lines.some((l) => l.includes(` joined room ${id} via /rtc/v1`)), lines.join("\n"));
  assert.ok(!lines.some((l) => /join refused/.test(l)), lines.join("\n"));
  const { states, errors } = await firefox.run(async () => ({ states: window.current.states, errors: window.current.errors }));
  assert.ok(states.includes("reconnecting") && states.at(-1) === "streaming", states.join(","));
  assert.deepEqual(errors, []);
  assert.equal((await openStream()).stream_id, id, "the same stream");
  await firefox.run(async () => window.current.vision.stop());
});

test("Firefox, native LiveKit transport: a dropped signalling socket is resumed (same participant); switchCamera's new track is the one decoded", { timeout: 90_000 }, async () => {
  assert.deepEqual(await startNative(), { started: true, startError: null });
  const { stream_id: id } = await openStream();
  await firefox.run(async () => window.current.untilResults(2, 30000));
  await new Promise((r) => setTimeout(r, (TOKEN_TTL + 1) * 1000));
  const mark = emulator.log().length;
  const frames = (await openStream()).frames_decoded;
  assert.equal((await post(`/__emulator/livekit/rooms/${id}/drop-signal`)).dropped, 1);
  await waitFor(() => lkLog(mark).some((l) => l.includes(` resumed in room ${id}`)), 20000, "a resume");
  assert.ok(!lkLog(mark).some((l) => / joined room |join refused/.test(l)), lkLog(mark).join("\n"));
  await waitFor(async () => (await openStream()).frames_decoded > frames + 20, 15000, "frames after the resume");

  // Firefox's fake camera cycles its hue from green, and a new camera starts at green
  // again: once the old one has left green, green results can only be the new track's
  // (the old one would take its whole cycle, well over 10 s, to come back to green).
  await waitFor(async () => (await colours()).at(-1) !== "green", 30000, "the old camera past green");
  const { results, ...switched } = await firefox.run(async () => {
    const old = window.current.vision.getMediaStream().getVideoTracks()[0];
    await window.current.vision.switchCamera("user");
    const now = window.current.vision.getMediaStream().getVideoTracks()[0];
    return { oldState: old.readyState, newState: now.readyState, same: old === now, results: window.current.results.length };
  });
  assert.deepEqual(switched, { oldState: "ended", newState: "live", same: false });
  // The first result after the switch may still cover the old camera's last frames.
  await waitFor(async () => (await colours(results + 1)).includes("green"), 8000, "green results from the new camera");
  assert.equal((await openStream()).stream_id, id);
  assert.deepEqual(await firefox.run(async () => window.current.errors), []);
  await firefox.run(async () => window.current.vision.stop());
});

test("Firefox, source {type:'livekit'}: the page publishes into its own room over the classic /rtc path (dual peer connections) and the stream made with that source gets green results", { timeout: 90_000 }, async () => {
  const room = await post("/__emulator/livekit/token", { room: "firefox-app-room", identity: "app" });
  const mark = emulator.log().length;
  const sid = await firefox.run(async ({ url, token }) => {
    const lk = await window.importLivekit();
    const appRoom = (window.appRoom = new lk.Room({ singlePeerConnection: false }));
    await appRoom.connect(url, token);
    const [track] = (await navigator.mediaDevices.getUserMedia({ video: true })).getVideoTracks();
    window.appTrack = track;
    return (await appRoom.localParticipant.publishTrack(track)).trackSid;
  }, room);
  assert.match(sid, /^TR_/);
  assert.ok(lkLog(mark).some((l) => / joined room firefox-app-room via \/rtc(?!\/)/.test(l)), lkLog(mark).join("\n"));
  const started = await firefox.run(async ({ key, url, token }) => {
    const s = window.recordSession({ apiKey: key, source: { type: "livekit", url, token } });
    return { started: await s.tryStart(), startError: s.startError ?? null };
  }, { key: KEY, ...room });
  assert.deepEqual(started, { started: true, startError: null });
  const open = await openStream();
  assert.deepEqual([open.transport, open.room], ["livekit", "firefox-app-room"]);
  await firefox.run(async () => window.current.untilResults(3, 30000));
  assert.equal((await colours())[0], "green");
  assert.equal((await openStream()).codec, "VP8");
  await firefox.run(async () => {
    await window.current.vision.stop();
    await window.appRoom.disconnect();
    window.appTrack.stop();
  });
  assert.equal((await emulator.streams()).open.length, 0);
});

test("Firefox, v1beta: livekit-client's default publish (two-layer simulcast) into /v1beta/streams' publish target; GET shows the frames ingested", { timeout: 90_000 }, async () => {
  const created = await v1beta("POST", "/streams", {});
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const { id, publish } = created.json;
  await firefox.goto(emulator.url + "/v1beta-publisher.html");
  assert.equal(await firefox.run(installPageImporter), "function");
  const published = await firefox.run(async ({ url, token }) => {
    const lk = await window.importLivekit();
    const room = (window.room = new lk.Room());
    await room.connect(url, token);
    const [track] = (await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } })).getVideoTracks();
    const pub = await room.localParticipant.publishTrack(track, { source: lk.Track.Source.Camera });
    return { sid: pub.trackSid, rids: pub.track.sender.getParameters().encodings.map((e) => e.rid ?? null) };
  }, publish);
  assert.match(published.sid, /^TR_/);
  // Firefox offered q;h (a 640x480 camera); the emulator's answer kept the top layer.
  assert.deepEqual(published.rids, ["h"]);

  const ingested = await waitFor(async () => {
    const { json } = await v1beta("GET", `/streams/${id}`);
    return json.last_frame_index >= 40 ? json : null;
  }, 30000, "40 frames ingested from Firefox");
  assert.equal(ingested.state, "active");
  assert.ok(ingested.recent_fps > 5 && ingested.recent_fps < 61, `recent_fps ${ingested.recent_fps}`);

  // The newest frame is a real picture of the 4:3 camera (or a layer scaled down).
  const chat = await v1beta("POST", "/chat/completions", {
    model: MODEL,
    messages: [{ role: "user", content: [
      { type: "text", text: "What colour?" },
      { type: "image_url", image_url: { url: `ovs://streams/${id}?frame_index=-1` } },
    ] }],
  });
  assert.equal(chat.status, 200, JSON.stringify(chat.json));
  const m = COLOUR.exec(chat.json.choices[0].message.content);
  assert.ok(m, chat.json.choices[0].message.content);
  assert.equal(Number(m[5]), 1);
  assert.equal(Number(m[6]) * 3, Number(m[7]) * 4, m[0]);

  await firefox.run(async () => window.room.disconnect());
  assert.equal((await v1beta("DELETE", `/streams/${id}`)).status, 200);
});
