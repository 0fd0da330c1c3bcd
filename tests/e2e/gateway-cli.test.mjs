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
