// Plumbing of the install tier: one folder (test-output/install-apps/) whose
// node_modules holds the framework versions below, installed from the npm registry once
// and reused while TOOLS stays the same, plus the packed package (`npm pack` of this
// repository), installed into it on every run. Each app is copied from
// tests/install/apps/<name>/ into a folder beside that node_modules, so Node's
// resolution finds both the tools and the package from the app.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { OUT, packedPackage } from "../e2e/harness.mjs";

/** The newest versions on npm when this tier was written (2026-11-30). */
export const TOOLS = {
  next: "16.4.6",
  react: "19.3.1",
  "react-dom": "19.3.1",
  vite: "8.4.0",
  webpack: "5.113.0",
  "webpack-cli": "7.3.1",
  typescript: "7.0.2",
};

export const APPS = join(OUT, "install-apps");
const SOURCES = join(import.meta.dirname, "apps");

/** npm with the output a failure needs; throws with it. */
function npm(args, cwd) {
  return execFileSync("npm", [...args, "--no-audit", "--no-fund"], { cwd, encoding: "utf8", stdio: "pipe" });
}

/**
 * Installs TOOLS into APPS (skipped when the stamp says they are there) and the freshly
 * packed package over the previous one. Returns the tarball's path.
 */
export function installTools() {
  mkdirSync(APPS, { recursive: true });
  const manifest = JSON.stringify({ name: "install-apps", private: true, dependencies: TOOLS }, null, 2);
  const stamp = join(APPS, "node_modules", ".tools.json");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== manifest) {
    writeFileSync(join(APPS, "package.json"), manifest);
    // `npm install`, not `npm ci`: a Vite 8 lockfile fails `npm ci` (shared toolchain notes).
    npm(["install"], APPS);
    writeFileSync(stamp, manifest);
  }
  const { tarball } = packedPackage();
  npm(["install", "--no-save", tarball], APPS);
  return tarball;
}

/** A fresh copy of tests/install/apps/<name> in APPS/<as>, with the shared session code at `sharedTo`. */
export function copyApp(name, sharedTo, as = `${name}-app`) {
  const dir = join(APPS, as);
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(SOURCES, name), dir, { recursive: true });
  if (sharedTo) cpSync(join(SOURCES, "shared", "session.js"), join(dir, sharedTo, "session.js"));
  return dir;
}

/** Runs an installed tool (node_modules/.bin of APPS) in `cwd`; resolves with its output, rejects with it. */
export function runTool(tool, args, cwd, env = {}) {
  return new Promise((ok, fail) => {
    const child = spawn(join(APPS, "node_modules", ".bin", tool), args, {
      cwd, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env }, stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => { output += d; });
    child.stderr.on("data", (d) => { output += d; });
    child.on("error", fail);
    child.on("exit", (code) => (code === 0 ? ok(output) : fail(new Error(`${tool} ${args.join(" ")} exited with ${code}:\n${output}`))));
  });
}

/**
 * Starts a long-running tool (a dev or production server) and resolves once its output
 * shows `ready`, with its URL (the first http://… it prints) and a stop function.
 */
export function startServer(tool, args, cwd, ready) {
  const child = spawn(join(APPS, "node_modules", ".bin", tool), args, {
    cwd, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" }, stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${tool} did not start:\n${output}`)), 60_000);
    const read = (d) => {
      output += d;
      // Strip colours before matching.
      const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
      const address = /https?:\/\/(localhost|127\.0\.0\.1|\[::1\]):\d+/.exec(plain);
      if (ready.test(plain) && address) { clearTimeout(timer); ok(address[0].replace("localhost", "127.0.0.1")); }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("exit", (code) => { clearTimeout(timer); fail(new Error(`${tool} exited with ${code}:\n${output}`)); });
  });
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((ok) => child.on("exit", ok));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".map": "application/json" };

/** Serves a built app's folder over HTTP (like any static host); resolves with its URL and a close function. */
export async function serveStatic(root) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    let file = join(root, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((ok) => server.close(ok)) };
}
