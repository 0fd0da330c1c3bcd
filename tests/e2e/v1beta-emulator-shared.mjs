// What the two v1beta-emulator test files share: an emulator with two keys, a Chromium
// page publishing a fake red camera with the real livekit-client into the room
// `POST /v1beta/streams` names (`live`), and small request helpers. The bindings below
// are live: `setupPublishingStream()` fills them in its `before`.
import { before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { KEY, ROOT, solidY4m, startEmulator, launchChromium, waitFor } from "./harness.mjs";

export const OTHER_KEY = "other-key";
export const MODEL = "google/gemma-4-26B-A4B-it";
export let emulator, browser, page, base, client;
/** The stream the page publishes into, with its first create answer. */
export let live;

export const call = async (method, path, { key = KEY, body, headers = {} } = {}) => {
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
export const emu = (path, body) => fetch(emulator.url + path, {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}),
}).then((r) => r.json());
export const frameRef = (id, query = "frame_index=-1") => ({ type: "image_url", image_url: { url: `ovs://streams/${id}?${query}` } });
export const clipRef = (id, query) => ({ type: "video_url", video_url: { url: `ovs://streams/${id}?${query}` } });
export const ask = (...parts) => ({ model: MODEL, messages: [{ role: "user", content: [{ type: "text", text: "What do you see?" }, ...parts] }] });
export const status = async (id) => (await call("GET", `/streams/${id}`)).json;
/** `text` says red, `frames` frames, at a 4:3 size (the camera's 640x480, or a
 * layer livekit-client scaled down while its bandwidth estimate ramps up). */
export const assertRedFrames = (text, frames) => {
  const m = /^red: mean RGB \(2\d\d, \d{1,2}, \d{1,2}\) over (\d+) frames at (\d+)x(\d+)$/.exec(text);
  assert.ok(m, text);
  assert.equal(Number(m[1]), frames, text);
  assert.equal(Number(m[2]) * 3, Number(m[3]) * 4, text);
  return { width: Number(m[2]), height: Number(m[3]) };
};
/** Prompt tokens of `ask(frame)`: the frame's (W×H)/2048 visual tokens plus 4 for the text. */
export const frameQuestionTokens = ({ width, height }) => Math.ceil((width * height) / 2048) + 4;
/** The JWT claims of a LiveKit token (no verification: the emulator's join checks that). */
export const claims = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());

/** Registers the `before` that starts the emulator and the publishing page (and waits
 * for two seconds of frames) and the `after` that stops them. */
export function setupPublishingStream() {
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
}
