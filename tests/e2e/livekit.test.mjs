// Both LiveKit transports, tested at the boundary this machine can reach: no LiveKit
// server runs here, so the emulator answers the native transport with a room URL and
// token that lead nowhere, and a test double stands in for livekit-client's `Room`.
// What the double can't show (real SFU publishing, livekit-client's own resume) is
// listed in the README. The real livekit-client is loaded once too, against a closed
// port, to prove the package drives the real library up to the network.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor } from "./harness.mjs";

let emulator, browser, page;

// Runs in the page: a stand-in for the livekit-client module that records every call.
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
    if (options.livekitClient === "double") config.livekitClient = () => Promise.resolve(window.roomDouble);
    if (options.livekitClient === "real") config.livekitClient = () => import("/vendor/livekit-client.mjs");
    const s = window.recordSession(config);
    const started = await s.tryStart();
    return { started, startError: s.startError };
  }, { key: KEY, options });
}

const current = (fn, arg) => page.evaluate(fn, arg);

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ ttl: 2, www: join(ROOT, "tests/e2e/www"), pkg: pkgDir, extraArgs: ["--livekit-url", "ws://127.0.0.1:9"] });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await browser.newPage();
  await page.addInitScript(installRoomDouble);
  await page.addInitScript(() => {
    window.cameraOpens = 0;
    const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (c) => { window.cameraOpens++; return gum(c); };
  });
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
});

test("source {type:'livekit'}: the request names the app's room, no camera opens, results and renewals flow", { timeout: 60_000 }, async () => {
  const started = await session({ source: { type: "livekit", url: "wss://rooms.example/app", token: "app-token" } });
  assert.deepEqual(started, { started: true, startError: undefined });
  await current(() => window.current.untilResults(2, 15000));
  const seen = await current(() => ({
    stream: window.current.vision.getMediaStream(),
    state: window.current.vision.state,
    cameraOpens: window.cameraOpens,
    result: window.current.results[0].result,
  }));
  assert.equal(seen.stream ?? null, null);
  assert.equal(seen.state, "streaming");
  assert.equal(seen.cameraOpens, 0);
  assert.match(seen.result, /cannot join LiveKit rooms \(livekit transport\)/);
  const [open] = (await emulator.streams()).open;
  assert.equal(open.transport, "livekit");
  await waitFor(async () => (await emulator.streams()).open[0]?.keepalives >= 1, 10000, "a keepalive");
  await current(() => window.current.vision.stop());
  assert.equal((await emulator.streams()).open.length, 0);
});

test("native transport: no source in the request; the answer's url/token reach Room.connect; the camera track is published; refreshed tokens are used to rejoin", { timeout: 60_000 }, async () => {
  const started = await session({ transport: "livekit", livekitClient: "double" });
  assert.deepEqual(started, { started: true, startError: undefined });
  const [open] = (await emulator.streams()).open;
  assert.equal(open.transport, "native");
  const id = open.stream_id;
  let log = await current(() => window.roomLog);
  assert.deepEqual(log.find((e) => e[0] === "connect"), ["connect", "ws://127.0.0.1:9", `lk-${id}-0`]);
  // The camera's live video track, with the sampling cap (2 × target_fps 6).
  assert.deepEqual(log.find((e) => e[0] === "publish"), ["publish", "video", "live", "camera", 12]);
  await waitFor(async () => (await emulator.streams()).open[0]?.keepalives >= 2, 15000, "two keepalives");
  await waitFor(() => current(() => window.current.states.at(-1) === "streaming"), 5000, "streaming");
  // The room drops for good: the package rejoins with the newest token.
  await current(() => window.lastRoom.serverDisconnect());
  await waitFor(() => current(() => window.roomLog.filter((e) => e[0] === "connect").length >= 2), 10000, "a rejoin");
  log = await current(() => window.roomLog);
  const rejoin = log.filter((e) => e[0] === "connect")[1];
  const renewals = Number(/-(\d+)$/.exec(rejoin[2])[1]);
  assert.equal(rejoin[2], `lk-${id}-${renewals}`);
  assert.ok(renewals >= 2, `rejoined with a refreshed token (${rejoin[2]})`);
  // The camera track survived the drop and was published again, live.
  assert.deepEqual(log.filter((e) => e[0] === "publish")[1], ["publish", "video", "live", "camera", 12]);
  const states = await current(() => window.current.states);
  assert.ok(states.includes("reconnecting"), states.join(","));
  await waitFor(() => current(() => window.current.states.at(-1) === "streaming"), 5000, "streaming again");
  const track = await current(async () => {
    const t = window.current.vision.getMediaStream().getVideoTracks()[0];
    await window.current.vision.stop();
    return t.readyState;
  });
  assert.equal(track, "ended");
  log = await current(() => window.roomLog);
  assert.deepEqual(log.at(-1), ["disconnect", false]);
  assert.equal((await emulator.streams()).open.length, 0);
});

test("native transport failures: a room that refuses, no livekit-client, and the real livekit-client against a closed port", { timeout: 90_000 }, async () => {
  await current(() => { window.roomFailsConnect = true; });
  const refused = await session({ transport: "livekit", livekitClient: "double" });
  await current(() => { window.roomFailsConnect = false; });
  assert.equal(refused.startError?.name, "WebRTCError", JSON.stringify(refused));
  assert.match(refused.startError.message, /could not publish into the LiveKit room/);

  const missing = await session({ transport: "livekit" });
  assert.equal(missing.startError?.name, "SourceUnsupportedError", JSON.stringify(missing));
  assert.match(missing.startError.message, /livekit-client/);

  const real = await session({ transport: "livekit", livekitClient: "real" });
  assert.equal(real.startError?.name, "WebRTCError", JSON.stringify(real));

  const left = await current(() => window.cameraOpens);
  assert.ok(left >= 3);
  assert.equal((await emulator.streams()).open.length, 0, "every failed start deleted its stream");
  // The missing library is found before any stream is created: two streams, not three.
  assert.equal((await emulator.streams()).ended.filter((s) => s.transport === "native").length, 3,
    "one from the rejoin test, one from the refusing room, one from the real livekit-client");
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
  // The lease is 2 s; joining takes 1.5 s. Counted from the join, the first renewal
  // would come at 2.5 s, after the lease ran out.
  await current(() => { window.roomJoinMs = 1500; });
  try {
    const started = await session({ transport: "livekit", livekitClient: "double" });
    assert.deepEqual(started, { started: true, startError: undefined });
    const [open] = (await emulator.streams()).open;
    await waitFor(async () => (await emulator.streams()).open[0]?.keepalives >= 2, 10000, "two keepalives");
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
