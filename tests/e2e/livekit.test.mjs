// Both LiveKit transports against the emulator's own LiveKit server, with the real
// livekit-client (npm) in headless Chromium: the frames livekit-client publishes are
// decoded by the emulator (str0m, VP8/H.264) and come back as results, exactly as over
// the WebRTC transport. A test double of livekit-client's `Room` is kept only for what
// the emulator cannot produce (see README "What the LiveKit tests prove").
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor } from "./harness.mjs";

/** Lifetime of the emulator's LiveKit tokens here: short, so a rejoin with a stale one fails. */
const TOKEN_TTL = 3;
let emulator, browser, page;

// Runs in the page: a stand-in for the livekit-client module that records every call,
// for the failures the emulator cannot produce: a failing `replaceTrack` and a slow join.
function installRoomDouble() {
  const log = (window.roomLog = []);
  class Room {
    constructor(options) {
      this.handlers = {};
      this.options = options;
      window.lastRoom = this;
      log.push(["new", options]);
    }
    on(event, handler) { (this.handlers[event] ??= []).push(handler); return this; }
    // A server-side drop, as livekit-client handles it: published tracks are stopped
    // unless the room was made with stopLocalTrackOnUnpublish: false.
    serverDisconnect() {
      if (this.options?.stopLocalTrackOnUnpublish !== false) this.published?.stop();
      this.emit("disconnected");
    }
    emit(event, ...args) { for (const h of this.handlers[event] ?? []) h(...args); }
    removeAllListeners() { this.handlers = {}; }
    async connect(url, token) {
      log.push(["connect", url, token]);
      if (window.roomFailsConnect) throw new Error("could not establish signal connection");
      if (window.roomJoinMs) await new Promise((r) => setTimeout(r, window.roomJoinMs));
      this.localParticipant = {
        publishTrack: async (track, options) => {
          this.published = track;
          log.push(["publish", track.kind, track.readyState, options.source, options.videoEncoding?.maxFramerate ?? null]);
          return {
            track: {
              replaceTrack: async (t) => {
                if (window.roomFailsReplace) throw new Error("could not replace the track");
                log.push(["replace", t.label]);
              },
            },
          };
        },
      };
    }
    async disconnect(stopTracks) { log.push(["disconnect", stopTracks]); }
  }
  window.roomDouble = { Room, RoomEvent: { Reconnecting: "reconnecting", Reconnected: "reconnected", Disconnected: "disconnected" }, Track: { Source: { Camera: "camera" } } };
}

function session(options) {
  return page.evaluate(async ({ key, options }) => {
    const config = { apiKey: key, ...options };
    if (options.livekitClient === "real") config.livekitClient = () => import("/vendor/livekit-client.mjs");
    if (options.livekitClient === "double") config.livekitClient = () => Promise.resolve(window.roomDouble);
    const s = window.recordSession(config);
    const started = await s.tryStart();
    return { started, startError: s.startError };
  }, { key: KEY, options });
}

const current = (fn, arg) => page.evaluate(fn, arg);
const post = (path, body) => fetch(emulator.url + path, {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}),
}).then((r) => r.json());
const openStream = async () => (await emulator.streams()).open[0];

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({
    // A 4 s lease: keepalives every 2 s, each with a fresh token, well inside TOKEN_TTL.
    ttl: 4, www: join(ROOT, "tests/e2e/www"), pkg: pkgDir,
    extraArgs: ["--livekit-token-ttl", String(TOKEN_TTL)],
  });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await browser.newPage();
  await page.addInitScript(installRoomDouble);
  page.on("console", (m) => { if (process.env.LK_DEBUG) console.log("page:", m.text()); });
  await page.route("**/vendor/livekit-client.mjs", (route) => route.fulfill({
    body: readFileSync(join(ROOT, "node_modules/livekit-client/dist/livekit-client.esm.mjs")),
    contentType: "text/javascript",
  }));
  await page.goto(emulator.url + "/?entry=full"); // overshoot-wasm/full: the LiveKit transport
  await page.waitForFunction(() => window.sdkReady === true);
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  await emulator?.stop();
  if (process.env.LK_DEBUG) console.log(emulator?.log());
});

test("native transport with the real livekit-client: the emulator decodes the published camera and results report red", { timeout: 90_000 }, async () => {
  const started = await session({ transport: "livekit", livekitClient: "real" });
  assert.deepEqual(started, { started: true, startError: undefined });
  const open = await openStream();
  assert.equal(open.transport, "native");
  assert.equal(open.room, open.stream_id);
  await current(() => window.current.untilResults(3, 30000));
  const results = await current(() => window.current.results.map((r) => r.result));
  for (const r of results) assert.match(r, /^red: mean RGB \(2\d\d, \d{1,2}, \d{1,2}\) over \d+ frames at \d+x\d+$/, r);
  const now = await openStream();
  assert.ok(now.frames_decoded >= 10, JSON.stringify(now));
  assert.equal(now.codec, "VP8", "livekit-client publishes VP8 by default");
  await current(() => window.current.vision.stop());
  const after = await emulator.streams();
  assert.equal(after.open.length, 0);
  assert.equal(after.ended.at(-1).end_reason, "client_requested");
});

/** The emulator's log lines about LiveKit participants, from `from` on. */
const lkLog = (from = 0) => emulator.log().slice(from).split("\n").filter((l) => l.startsWith("livekit: "));
const redResults = () => current(() => window.current.results.filter((r) => /^red: /.test(r.result)).length);

test("native transport: the room ends server-side, the package rejoins with the newest token (the first one has expired) and red results go on", { timeout: 90_000 }, async () => {
  const started = await session({ transport: "livekit", livekitClient: "real" });
  assert.deepEqual(started, { started: true, startError: undefined });
  const { stream_id: id } = await openStream();
  await current(() => window.current.untilResults(2, 30000));
  // Past the first token's lifetime; keepalives (every ~1 s) brought fresh ones.
  await new Promise((r) => setTimeout(r, (TOKEN_TTL + 1) * 1000));
  const mark = emulator.log().length;
  const before = await redResults();
  assert.deepEqual(await post(`/__emulator/livekit/rooms/${id}/end`), { room: id, participants_told: 1 });
  await waitFor(async () => (await redResults()) >= before + 3, 30000, "red results after the rejoin");
  const lines = lkLog(mark);
  assert.ok(lines.some((l) => / joined room /.test(l)), lines.join("\n"));
  assert.ok(!lines.some((l) => /join refused/.test(l)), lines.join("\n"));
  const states = await current(() => window.current.states);
  assert.ok(states.includes("reconnecting"), states.join(","));
  assert.equal((await openStream()).stream_id, id, "the same stream");
  await current(() => window.current.vision.stop());
});

test("native transport: a dropped signalling socket is resumed by livekit-client with its refreshed token, same participant, frames go on", { timeout: 90_000 }, async () => {
  const started = await session({ transport: "livekit", livekitClient: "real" });
  assert.deepEqual(started, { started: true, startError: undefined });
  const { stream_id: id } = await openStream();
  await current(() => window.current.untilResults(2, 30000));
  await new Promise((r) => setTimeout(r, (TOKEN_TTL + 1) * 1000));
  const mark = emulator.log().length;
  const frames = (await openStream()).frames_decoded;
  assert.equal((await post(`/__emulator/livekit/rooms/${id}/drop-signal`)).dropped, 1);
  await waitFor(() => lkLog(mark).some((l) => / resumed in room /.test(l)), 20000, "a resume");
  const lines = lkLog(mark);
  assert.ok(!lines.some((l) => / joined room |join refused/.test(l)), lines.join("\n"));
  await waitFor(async () => (await openStream()).frames_decoded > frames + 20, 15000, "frames after the resume");
  assert.equal(await current(() => window.current.vision.state), "streaming");
  await current(() => window.current.vision.stop());
});

test("native transport: switchCamera keeps the stream and the emulator decodes the new track; stop() leaves the room and DELETEs", { timeout: 90_000 }, async () => {
  const started = await session({ transport: "livekit", livekitClient: "real" });
  assert.deepEqual(started, { started: true, startError: undefined });
  const { stream_id: id } = await openStream();
  await current(() => window.current.untilResults(2, 30000));
  const switched = await current(async () => {
    const old = window.current.vision.getMediaStream().getVideoTracks()[0];
    await window.current.vision.switchCamera("user");
    const now = window.current.vision.getMediaStream().getVideoTracks()[0];
    return { oldState: old.readyState, newState: now.readyState, same: old === now };
  });
  assert.deepEqual(switched, { oldState: "ended", newState: "live", same: false });
  // The old track is stopped: frames decoded from now on are the new track's.
  const frames = (await openStream()).frames_decoded;
  const results = await redResults();
  await waitFor(async () => (await openStream()).frames_decoded > frames + 20, 15000, "the new track's frames");
  await waitFor(async () => (await redResults()) >= results + 2, 15000, "red results after the switch");
  assert.equal((await openStream()).stream_id, id);
  const mark = emulator.log().length;
  await current(() => window.current.vision.stop());
  await waitFor(() => lkLog(mark).some((l) => / left room /.test(l)), 5000, "a leave");
  const after = await emulator.streams();
  assert.equal(after.open.length, 0);
  assert.equal(after.ended.find((s) => s.stream_id === id).end_reason, "client_requested");
});

test("source {type:'livekit'}: the page publishes into its own room with livekit-client (simulcast, H.264) and the stream made with that source gets red results", { timeout: 90_000 }, async () => {
  const room = await post("/__emulator/livekit/token", { room: "app-room", identity: "app" });
  assert.equal(room.url, emulator.url.replace("http:", "ws:"));
  const published = await current(async ({ url, token }) => {
    const lk = await import("/vendor/livekit-client.mjs");
    const appRoom = (window.appRoom = new lk.Room());
    await appRoom.connect(url, token);
    const [track] = (await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } })).getVideoTracks();
    window.appTrack = track;
    const pub = await appRoom.localParticipant.publishTrack(track, { videoCodec: "h264", simulcast: true });
    return { sid: pub.trackSid, state: appRoom.state };
  }, room);
  assert.match(published.sid, /^TR_/);
  const started = await session({ source: { type: "livekit", url: room.url, token: room.token } });
  assert.deepEqual(started, { started: true, startError: undefined });
  const open = await openStream();
  assert.deepEqual([open.transport, open.room], ["livekit", "app-room"]);
  await current(() => window.current.untilResults(3, 30000));
  const results = await current(() => window.current.results.map((r) => r.result));
  for (const r of results) assert.match(r, /^red: mean RGB \(2\d\d, \d{1,2}, \d{1,2}\) over \d+ frames at \d+x\d+$/, r);
  assert.equal((await openStream()).codec, "H264");
  assert.equal(await current(() => window.current.vision.getMediaStream() ?? null), null);
  await current(() => window.current.vision.stop());
  await current(async () => { await window.appRoom.disconnect(); window.appTrack.stop(); });
  assert.equal((await emulator.streams()).open.length, 0);
});

test("the classic /rtc path (livekit-client with singlePeerConnection: false, dual peer connections) publishes into a room the emulator decodes", { timeout: 90_000 }, async () => {
  const room = await post("/__emulator/livekit/token", { room: "classic-room", identity: "classic" });
  const mark = emulator.log().length;
  const published = await current(async ({ url, token }) => {
    const lk = await import("/vendor/livekit-client.mjs");
    const appRoom = (window.appRoom = new lk.Room({ singlePeerConnection: false }));
    await appRoom.connect(url, token);
    const [track] = (await navigator.mediaDevices.getUserMedia({ video: true })).getVideoTracks();
    window.appTrack = track;
    const pub = await appRoom.localParticipant.publishTrack(track);
    return pub.trackSid;
  }, room);
  assert.match(published, /^TR_/);
  const started = await session({ source: { type: "livekit", url: room.url, token: room.token } });
  assert.deepEqual(started, { started: true, startError: undefined });
  await current(() => window.current.untilResults(2, 30000));
  const results = await current(() => window.current.results.map((r) => r.result));
  for (const r of results) assert.match(r, /^red: /, r);
  // The classic path, not /rtc/v1 (both log the join).
  assert.ok(lkLog(mark).some((l) => / joined room classic-room via \/rtc(?!\/)/.test(l)), lkLog(mark).join("\n"));
  await current(() => window.current.vision.stop());
  await current(async () => { await window.appRoom.disconnect(); window.appTrack.stop(); });
});

test("native transport: a refused token rejects start() with WebRTCError and deletes the stream", { timeout: 90_000 }, async () => {
  await post("/__emulator/faults", { api_key: KEY, livekit_refuse_joins: 5 });
  try {
    const refused = await session({ transport: "livekit", livekitClient: "real" });
    assert.equal(refused.startError?.name, "WebRTCError", JSON.stringify(refused));
    assert.match(refused.startError.message, /could not publish into the LiveKit room/);
  } finally {
    await post("/__emulator/faults", { api_key: KEY });
  }
  assert.ok(lkLog().some((l) => /join refused: injected fault/.test(l)));
  assert.equal((await emulator.streams()).open.length, 0, "the failed start deleted its stream");
});

test("native transport: a camera refused while the stream is made (start-up overlap) rejects start() with MediaError, deletes the stream, joins no room", { timeout: 90_000 }, async () => {
  const mark = emulator.log().length;
  const endedBefore = (await emulator.streams()).ended.length;
  // The refusal comes after livekit-client has loaded and the stream was created.
  await current(() => {
    window.realGetUserMedia ??= navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async () => {
      await new Promise((r) => setTimeout(r, 1500));
      throw new DOMException("Permission denied", "NotAllowedError");
    };
  });
  let refused;
  try {
    refused = await session({ transport: "livekit", livekitClient: "real" });
  } finally {
    await current(() => { navigator.mediaDevices.getUserMedia = window.realGetUserMedia; });
  }
  assert.equal(refused.startError?.name, "MediaError", JSON.stringify(refused));
  const { open, ended } = await emulator.streams();
  assert.equal(open.length, 0, "the failed start deleted its stream");
  // Made while the prompt was open (the overlap), then DELETEd.
  assert.deepEqual(ended.slice(endedBefore).map((s) => s.end_reason), ["client_requested"], JSON.stringify(ended.slice(endedBefore)));
  assert.ok(!lkLog(mark).some((l) => / joined room /.test(l)), lkLog(mark).join("\n"));
});

test("tokens: the emulator's own are admitted until they expire; others and expired ones get 401 at validate", { timeout: 30_000 }, async () => {
  const { token } = await post("/__emulator/livekit/token", { room: "expiry-room" });
  const validate = (t, path = "/rtc/v1/validate") =>
    fetch(`${emulator.url}${path}?access_token=${encodeURIComponent(t)}`).then((r) => r.status);
  assert.equal(await validate(token), 200);
  assert.equal(await validate(token, "/rtc/validate"), 200);
  // This token's header and claims with another token's signature.
  const other = (await post("/__emulator/livekit/token", { room: "other-room" })).token;
  const forged = token.split(".").slice(0, 2).concat(other.split(".")[2]).join(".");
  assert.equal(await validate(forged), 401, "bad signature");
  assert.equal(await validate("lk-emu-00001-0"), 401, "not a JWT");
  await new Promise((r) => setTimeout(r, (TOKEN_TTL + 1.2) * 1000));
  assert.equal(await validate(token), 401, "expired");
});

test("native transport without livekit-client: SourceUnsupportedError before any stream is created", { timeout: 60_000 }, async () => {
  const ended = (await emulator.streams()).ended.length;
  const missing = await session({ transport: "livekit" });
  assert.equal(missing.startError?.name, "SourceUnsupportedError", JSON.stringify(missing));
  assert.match(missing.startError.message, /livekit-client/);
  const now = await emulator.streams();
  assert.equal(now.open.length, 0);
  assert.equal(now.ended.length, ended, "no stream was created");
});

test("native transport: after a replaceTrack that failed, a rejoin publishes the old camera, still live", { timeout: 60_000 }, async () => {
  const started = await session({ transport: "livekit", livekitClient: "double" });
  assert.deepEqual(started, { started: true, startError: undefined });
  await waitFor(() => current(() => window.current.states.at(-1) === "streaming"), 5000, "streaming");
  const switched = await current(async () => {
    window.roomFailsReplace = true;
    try {
      await window.current.vision.switchCamera("environment");
      return { name: "switched" };
    } catch (e) {
      return { name: e.name, message: e.message };
    } finally {
      window.roomFailsReplace = false;
    }
  });
  assert.equal(switched.name, "MediaError", JSON.stringify(switched));
  assert.match(switched.message, /could not be replaced/);
  const publishes = (await current(() => window.roomLog)).filter((e) => e[0] === "publish").length;
  await current(() => window.lastRoom.serverDisconnect());
  await waitFor(() => current((n) => window.roomLog.filter((e) => e[0] === "publish").length > n, publishes), 10000, "a rejoin");
  const rejoin = await current(() => {
    const camera = window.current.vision.getMediaStream().getVideoTracks()[0];
    return {
      publish: window.roomLog.filter((e) => e[0] === "publish").at(-1),
      sameTrack: window.lastRoom.published === camera,
      camera: camera.readyState,
    };
  });
  assert.deepEqual(rejoin, { publish: ["publish", "video", "live", "camera", 12], sameTrack: true, camera: "live" });
  await current(() => window.current.vision.stop());
  assert.equal((await emulator.streams()).open.length, 0);
});

test("native transport: a slow room join does not cost the lease (the first renewal counts from the create answer)", { timeout: 60_000 }, async () => {
  // The lease is 4 s; joining takes 3 s. Counted from the join, the first renewal
  // would come at 5 s, after the lease ran out.
  await current(() => { window.roomJoinMs = 3000; });
  try {
    const started = await session({ transport: "livekit", livekitClient: "double" });
    assert.deepEqual(started, { started: true, startError: undefined });
    const [open] = (await emulator.streams()).open;
    await waitFor(async () => (await emulator.streams()).open[0]?.keepalives >= 2, 15000, "two keepalives");
    const snap = await current(() => ({ errors: window.current.errors, state: window.current.vision.state }));
    assert.deepEqual(snap, { errors: [], state: "streaming" });
    assert.equal((await emulator.streams()).ended.find((s) => s.stream_id === open.stream_id), undefined);
    await current(() => window.current.vision.stop());
  } finally {
    await current(() => { window.roomJoinMs = 0; });
  }
});

test("bad transport options are ValidationErrors naming the field", async () => {
  const fields = await page.evaluate(() => {
    const fieldOf = (extra) => {
      try {
        new window.sdk.RealtimeVision({ apiKey: "k", apiUrl: location.origin, prompt: "p", onResult() {}, ...extra });
        return "accepted";
      } catch (e) {
        return `${e.name}:${e.details?.field}`;
      }
    };
    return [
      fieldOf({ transport: "rtmp" }),
      fieldOf({ transport: "livekit", livekitClient: 5 }),
      fieldOf({ source: { type: "livekit", url: "wss://x" } }),
      fieldOf({ source: { type: "livekit", url: " ", token: "t" } }),
    ];
  });
  assert.deepEqual(fields, [
    "ValidationError:transport", "ValidationError:livekitClient",
    "ValidationError:source.token", "ValidationError:source.url",
  ]);
});
