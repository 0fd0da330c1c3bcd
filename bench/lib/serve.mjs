// Static files for the benchmark page, on their own origin (so both packages make
// cross-origin API calls, as apps do), and the fake camera's clip.
import { createServer } from "node:http";
import { readFile, mkdir, copyFile, readdir, stat } from "node:fs/promises";
import { existsSync, writeFileSync } from "node:fs";
import { join, extname, dirname, relative, resolve, sep } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".map": "application/json",
};

/** Copies the files the npm package publishes (package.json "files") from pkg/. */
export async function copyPublishedPkg(root, dest) {
  const pkgJson = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
  const wanted = pkgJson.files.filter((f) => f.startsWith("pkg/"));
  async function copy(rel) {
    const from = join(root, rel);
    if ((await stat(from)).isDirectory()) {
      for (const entry of await readdir(from)) await copy(join(rel, entry));
      return;
    }
    const to = join(dest, relative("pkg", rel));
    await mkdir(dirname(to), { recursive: true });
    await copyFile(from, to);
  }
  for (const rel of wanted) await copy(rel.replace(/\/$/, ""));
  return dest;
}

/** Serves `mounts` ({"/prefix/": dir}) on 127.0.0.1; resolves with {url, close}. */
export async function serveStatic(mounts) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const prefix = Object.keys(mounts)
      .sort((a, b) => b.length - a.length)
      .find((p) => path.startsWith(p));
    const base = prefix && resolve(mounts[prefix]);
    const file = base && resolve(base, "." + path.slice(prefix.length - 1));
    if (!file || !(file === base || file.startsWith(base + sep))) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => server.close(ok)) };
}

/**
 * A 640×480, 30 fps, 2 s 4:2:0 Y4M that moves: a fixed random texture panned 3 px a
 * frame under slanted stripes, on a red base (the emulator still reports "red").
 * A solid colour would compress to almost nothing and hide what an encoder sends.
 */
export function texturedY4m(dir, { width = 640, height = 480, frames = 60 } = {}) {
  const file = join(dir, `textured-${width}x${height}-${frames}.y4m`);
  if (existsSync(file)) return file;
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  const texture = new Uint8Array(width * 2 * height);
  for (let i = 0; i < texture.length; i++) texture[i] = rand() % 33;
  const plane = width * height;
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`);
  const parts = [header];
  for (let f = 0; f < frames; f++) {
    const frame = Buffer.alloc(6 + plane + plane / 2);
    frame.write("FRAME\n");
    for (let y = 0; y < height; y++) {
      const row = texture.subarray(y * width * 2, (y + 1) * width * 2);
      for (let x = 0; x < width; x++) {
        const stripe = ((x + y + f * 4) >> 5) & 1 ? 12 : -12;
        frame[6 + y * width + x] = 71 + stripe + row[(x + f * 3) % (width * 2)];
      }
    }
    frame.fill(97, 6 + plane, 6 + plane + plane / 4); // U of RGB 230,20,20
    frame.fill(220, 6 + plane + plane / 4); // V (mean Y 87)
    parts.push(frame);
  }
  writeFileSync(file, Buffer.concat(parts));
  return file;
}
