// A minimal W3C WebDriver client (fetch against geckodriver) for the Firefox tests:
// Playwright cannot drive stock Firefox, so this speaks the protocol directly.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";

async function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
    server.on("error", fail);
  });
}

/** A non-loopback IPv4 address of this machine, for the emulator's `--media-ip`:
 * Firefox ignores loopback ICE candidates, so the emulator's media sockets use a local
 * interface address instead. */
export function firefoxMediaIp() {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  throw new Error("no non-loopback IPv4 interface for Firefox's ICE");
}

/** Starts geckodriver and a headless Firefox ESR session with a fake camera. */
export async function launchFirefox({
  geckodriver = process.env.GECKODRIVER || "geckodriver",
  binary = process.env.FIREFOX || "/usr/bin/firefox-esr",
} = {}) {
  const port = await freePort();
  const driver = spawn(geckodriver, ["--port", String(port), "--host", "127.0.0.1"], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  driver.stdout.on("data", (d) => { log += d; });
  driver.stderr.on("data", (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const res = await fetch(base + path, {
      method,
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${JSON.stringify(json.value)}`);
    return json.value;
  };
  const deadline = Date.now() + 15000;
  for (;;) {
    try {
      const status = await call("GET", "/status");
      if (status.ready) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`geckodriver did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const profile = mkdtempSync(join(tmpdir(), "ow-firefox-"));
  const session = await call("POST", "/session", {
    capabilities: {
      alwaysMatch: {
        browserName: "firefox",
        "moz:firefoxOptions": {
          binary,
          args: ["-headless", "-profile", profile],
          prefs: {
            "media.navigator.streams.fake": true,
            "media.navigator.permission.disabled": true,
          },
        },
        timeouts: { script: 60000 },
      },
    },
  });
  const id = session.sessionId;
  return {
    version: session.capabilities.browserVersion,
    goto: (url) => call("POST", `/session/${id}/url`, { url }),
    /** Runs `fn(args)` (async) in the page and returns its JSON result; a throw rejects. */
    async run(fn, args = {}) {
      const script = `const done = arguments[arguments.length - 1];
        (${fn.toString()})(arguments[0]).then((value) => done({ value }), (e) => done({ error: String(e && e.stack || e) }));`;
      const out = await call("POST", `/session/${id}/execute/async`, { script, args: [args] });
      if (out && out.error) throw new Error(`in Firefox: ${out.error}`);
      return out?.value;
    },
    async quit() {
      try {
        await call("DELETE", `/session/${id}`);
      } finally {
        driver.kill("SIGTERM");
      }
    },
  };
}
