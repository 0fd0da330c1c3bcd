// The gateway's command line: secrets from the environment only, refused when weak.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT, GATEWAY_SECRET } from "./harness.mjs";

const BIN = join(ROOT, "target", "debug", "overshoot-gateway");
const run = (args, env) => spawnSync(BIN, args, { env: { PATH: process.env.PATH, ...env }, encoding: "utf8", timeout: 10000 });

test("serve refuses a token secret under 32 bytes, or no key, with a clear message", () => {
  const short = run(["serve", "--upstream", "http://127.0.0.1:9"], { OVERSHOOT_API_KEY: "k", GATEWAY_TOKEN_SECRET: "x".repeat(31) });
  assert.equal(short.status, 2);
  assert.match(short.stderr, /GATEWAY_TOKEN_SECRET must be at least 32 bytes \(it has 31\)/);
  const noKey = run(["serve", "--upstream", "http://127.0.0.1:9"], { GATEWAY_TOKEN_SECRET: GATEWAY_SECRET });
  assert.equal(noKey.status, 2);
  assert.match(noKey.stderr, /OVERSHOOT_API_KEY is not set/);
  const plainHttp = run(["serve", "--upstream", "http://api.example.com/v1"], { OVERSHOOT_API_KEY: "k", GATEWAY_TOKEN_SECRET: GATEWAY_SECRET });
  assert.equal(plainHttp.status, 2, "the key never travels in clear text off the machine");
  assert.match(plainHttp.stderr, /--upstream/);
  const keyFlag = run(["serve", "--upstream", "http://127.0.0.1:9", "--api-key", "k"], { GATEWAY_TOKEN_SECRET: GATEWAY_SECRET });
  assert.notEqual(keyFlag.status, 0, "there is no key flag");
});

test("mint prints an HS256 JWT with sub, iat and exp", () => {
  const out = run(["mint", "--sub", "alice", "--ttl-seconds", "120"], { GATEWAY_TOKEN_SECRET: GATEWAY_SECRET });
  assert.equal(out.status, 0, out.stderr);
  const [header, payload] = out.stdout.trim().split(".").slice(0, 2).map((p) => JSON.parse(Buffer.from(p, "base64url")));
  assert.equal(header.alg, "HS256");
  assert.equal(payload.sub, "alice");
  assert.equal(payload.exp - payload.iat, 120);
  assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 5);
  assert.equal(run(["mint", "--sub", "alice"], {}).status, 2, "no secret, no token");
});

test("overshoot-wasm/server's mintGatewayToken (from the packed package) makes tokens the gateway accepts", async () => {
  const { startEmulator, startGateway, packedPackage } = await import("./harness.mjs");
  const { tarball } = packedPackage();
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const { execFileSync } = await import("node:child_process");
  // Installed like an app would: `npm install <tarball>`, imported by its export name.
  const app = mkdtempSync(join(ROOT, "test-output", "server-app-"));
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", type: "module", private: true }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", tarball], { cwd: app, stdio: "ignore" });
  writeFileSync(join(app, "mint.mjs"), `import { mintGatewayToken } from "overshoot-wasm/server";
process.stdout.write(await mintGatewayToken(process.argv[2], { sub: process.argv[3], ttlSeconds: 60 }));`);
  const mint = (secret, sub) => execFileSync(process.execPath, ["mint.mjs", secret, sub], { cwd: app, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

  const emulator = await startEmulator();
  const gateway = await startGateway({ upstream: emulator.url });
  try {
    const models = (token) => fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
    const good = await models(mint(GATEWAY_SECRET, "alice"));
    assert.equal(good.status, 200);
    assert.ok(Array.isArray(await good.json()));
    assert.equal((await models(mint("another-secret-of-at-least-32-bytes!", "alice"))).status, 401);
    assert.ok(gateway.log().split("\n").some((l) => l.includes('"user":"alice"') && l.includes('"status":200')));
    assert.throws(() => mint("short", "alice"), /at least 32 bytes/);
  } finally {
    await gateway.stop();
    await emulator.stop();
  }
});
