// The demo's server (run by scripts/demo.sh): serves the page (www/) and the built
// package (pkg/), starts the emulator and an overshoot-gateway in front of it, and
// answers POST /token with a short-lived token for the visitor, as an app's backend
// would. The page never sees a key; only the gateway holds one (the emulator's).
import { createServer } from "node:http";
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { extname, join, normalize, resolve } from "node:path";
import { mintGatewayToken } from "../js/server.js";

const ROOT = resolve(import.meta.dirname, "..");
const PORT = Number(process.env.PORT || 8787);
const ORIGIN = `http://127.0.0.1:${PORT}`;
const SECRET = randomBytes(48).toString("base64");
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".json": "application/json", ".map": "application/json", ".wasm": "application/wasm", ".svg": "image/svg+xml", ".ts": "text/plain" };
const children = [];

/** Starts a binary and resolves with the URL it prints on `listening on`. */
function start(bin, args, env = {}) {
  const child = spawn(join(ROOT, "target", "debug", bin), args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return new Promise((ok, fail) => {
    child.stdout.on("data", (d) => {
      const m = /listening on (http:\/\/\S+)/.exec(String(d));
      if (m) ok(m[1]);
    });
    child.on("exit", (code) => fail(new Error(`${bin} exited with ${code}`)));
  });
}

const emulator = await start("overshoot-emulator", ["--port", "0", "--ttl", "30"]);
const gateway = await start("overshoot-gateway", ["serve", "--upstream", emulator, "--listen", "127.0.0.1:0", "--allow-origin", ORIGIN],
  { OVERSHOOT_API_KEY: "emulator-key", GATEWAY_TOKEN_SECRET: SECRET });

/** A file under `dir`, or null for paths that leave it. */
function inside(dir, path) {
  const file = normalize(join(dir, decodeURIComponent(path)));
  return file.startsWith(dir + "/") ? file : null;
}

createServer(async (req, res) => {
  const path = new URL(req.url, ORIGIN).pathname;
  if (path === "/token" && req.method === "POST") {
    // A real app checks its own session here and uses the signed-in user's id.
    const token = await mintGatewayToken(SECRET, { sub: "demo-visitor", ttlSeconds: 300 });
    res.writeHead(200, { "content-type": "text/plain", "cache-control": "no-store" });
    return res.end(token);
  }
  const file = path.startsWith("/pkg/") ? inside(join(ROOT, "pkg"), path.slice(4)) : inside(join(ROOT, "www"), path === "/" ? "/index.html" : path);
  try {
    if (!file) throw new Error("outside");
    let body = await readFile(file);
    if (file.endsWith("/www/index.html")) {
      body = String(body).replace("</head>", `  <meta name="demo-gateway" content="${gateway}">\n</head>`);
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] || "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
  }
}).listen(PORT, "127.0.0.1", () => {
  console.log(`listening on ${ORIGIN}`);
  console.log(`Demo: open ${ORIGIN}/ (tokens from /token, overshoot-gateway at ${gateway}, emulator at ${emulator}). Ctrl-C stops.`);
});

// The gateway deletes every stream it holds on SIGTERM; wait for it, then go.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    await Promise.all(children.map((c) => new Promise((ok) => {
      if (c.exitCode !== null) return ok();
      c.on("exit", ok);
      c.kill("SIGTERM");
    })));
    process.exit(0);
  });
}
