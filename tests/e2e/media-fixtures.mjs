// Media the relayed-source tests play: a WebM and an fMP4 recorded in the page from a
// solid-colour canvas (MediaRecorder), and an HLS playlist cut from the fMP4. Served to
// the page through Playwright routes, so nothing but the browser is needed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./harness.mjs";

/** Records `seconds` of a solid `rgb` canvas of `width×height` as `mimeType`; returns the bytes. */
export async function recordClip(page, { rgb, width, height, seconds, mimeType }) {
  const base64 = await page.evaluate(async ({ rgb, width, height, seconds, mimeType }) => {
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext("2d");
    let tick = 0;
    const draw = () => {
      ctx.fillStyle = `rgb(${rgb.join(",")})`;
      ctx.fillRect(0, 0, width, height);
      // A few changing pixels so the encoder keeps producing frames.
      ctx.fillStyle = `rgb(${rgb.map((c) => 255 - c).join(",")})`;
      ctx.fillRect((tick++ * 4) % width, 0, 2, 2);
    };
    draw();
    const timer = setInterval(draw, 33);
    const recorder = new MediaRecorder(canvas.captureStream(30), { mimeType, videoBitsPerSecond: 1_000_000 });
    const chunks = [];
    recorder.ondataavailable = (e) => chunks.push(e.data);
    recorder.start(500);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    recorder.stop();
    await new Promise((r) => (recorder.onstop = r));
    clearInterval(timer);
    const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  }, { rgb, width, height, seconds, mimeType });
  return Buffer.from(base64, "base64");
}

/** Splits a fragmented MP4 into its init segment (ftyp+moov) and media (moof+mdat…). */
export function splitFragmentedMp4(mp4) {
  let offset = 0;
  let initEnd = 0;
  let mediaEnd = 0;
  while (offset + 8 <= mp4.length) {
    let size = mp4.readUInt32BE(offset);
    const type = mp4.toString("latin1", offset + 4, offset + 8);
    if (size === 1) size = Number(mp4.readBigUInt64BE(offset + 8));
    if (size === 0) size = mp4.length - offset;
    if (type === "ftyp" || type === "moov") initEnd = offset + size;
    if (type === "moof" || type === "mdat") mediaEnd = offset + size;
    offset += size;
  }
  if (!initEnd || mediaEnd <= initEnd) throw new Error("not a fragmented MP4");
  return { init: mp4.subarray(0, initEnd), media: mp4.subarray(initEnd, mediaEnd) };
}

/** A VOD playlist of one fMP4 segment of `seconds`. */
export function hlsPlaylist(seconds) {
  return [
    "#EXTM3U",
    "#EXT-X-VERSION:7",
    `#EXT-X-TARGETDURATION:${Math.ceil(seconds)}`,
    "#EXT-X-MEDIA-SEQUENCE:0",
    "#EXT-X-PLAYLIST-TYPE:VOD",
    '#EXT-X-MAP:URI="init.mp4"',
    `#EXTINF:${seconds.toFixed(3)},`,
    "seg0.m4s",
    "#EXT-X-ENDLIST",
    "",
  ].join("\n");
}

/** Serves `files` (path → {body, type, status?, delayMs?}) at `prefix` on `page`, each answered
 * after its `delayMs` (a slow server); other paths under it get 404. */
export async function serveFiles(page, prefix, files) {
  await page.route(`**${prefix}**`, (route) => {
    const path = new URL(route.request().url()).pathname.slice(prefix.length);
    const file = files[path];
    if (!file) return route.fulfill({ status: 404, body: "not found" });
    const answer = () => route.fulfill({ status: file.status ?? 200, body: file.body, contentType: file.type, headers: { "access-control-allow-origin": "*" } });
    return file.delayMs ? new Promise((ok) => setTimeout(ok, file.delayMs)).then(answer) : answer();
  });
}

/** hls.js's ES module build, for pages that pass it as `source.hlsJs`. */
export function hlsJsModule() {
  return readFileSync(join(ROOT, "node_modules/hls.js/dist/hls.mjs"));
}
