// ICE recovery through TURN: a local coturn on loopback is returned in `turn_servers`;
// when the media path dies, the package makes a new stream with
// `iceTransportPolicy: "relay"`, and the selected candidate pair is then relayed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { KEY, ROOT, OUT, solidY4m, packedPackage, startEmulator, launchChromium, waitFor } from "./harness.mjs";

const TURN_PORT = 34780;
let turn, emulator, browser, page;

before(async () => {
  turn = spawn("turnserver", [
    "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", `--listening-port=${TURN_PORT}`,
    "--min-port=49160", "--max-port=49260", "--lt-cred-mech", "--user=overshoot:wasm-test",
    "--realm=overshoot-wasm", "--no-tls", "--no-dtls", "--allow-loopback-peers", "--no-cli",
    "--fingerprint", "--log-file=stdout", "--simple-log", `--pidfile=${join(OUT, "turnserver.pid")}`,
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let turnLog = "";
  turn.stdout.on("data", (d) => { turnLog += d; });
  await waitFor(() => /Total General servers|listener opened|IPv4. UDP listener/.test(turnLog), 10000, `coturn to listen:\n${turnLog}`);
  const { pkgDir } = packedPackage();
  const turnServers = [{ urls: [`turn:127.0.0.1:${TURN_PORT}?transport=udp`], username: "overshoot", credential: "wasm-test" }];
  emulator = await startEmulator({
    www: join(ROOT, "tests/e2e/www"), pkg: pkgDir,
    extraArgs: ["--turn-servers", JSON.stringify(turnServers)],
  });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await browser.newPage();
  await page.goto(emulator.url + "/");
  await page.waitForFunction(() => window.sdkReady === true);
});

after(async () => {
  await browser?.close();
  await emulator?.stop();
  turn?.kill("SIGTERM");
});

test("after the media path dies, a relay-only retry through TURN recovers the stream", async () => {
  const firstId = await page.evaluate(async ({ key }) => {
    const c = window.recordSession({ apiKey: key });
    await c.vision.start();
    await c.untilResults(1, 10000);
    return c.vision.getStreamId();
  }, { key: KEY });
  const direct = await page.evaluate(() => window.current.vision.getStats());
  assert.ok(["host", "prflx"].includes(direct.candidateType), `first path: ${direct.candidateType}`);

  await fetch(`${emulator.url}/__emulator/streams/${firstId}/drop-media`, { method: "POST" });
  const secondId = await waitFor(
    () => page.evaluate((firstId) => {
      const id = window.current.vision.getStreamId();
      return id !== firstId && window.current.vision.state === "streaming" ? id : null;
    }, firstId),
    45000, "a recovered stream");
  const before = await page.evaluate(() => window.current.results.length);
  await page.evaluate((n) => window.current.untilResults(n + 2, 15000), before);
  const relayed = await page.evaluate(() => window.current.vision.getStats());
  assert.equal(relayed.candidateType, "relay", JSON.stringify(relayed));
  const last = await page.evaluate(() => window.current.results.at(-1));
  assert.equal(last.stream_id, secondId);
  assert.match(last.result, /^red/);

  const report = await emulator.streams();
  assert.equal(report.ended.find((s) => s.stream_id === firstId)?.end_reason, "client_requested", "the dead stream was deleted");
  const states = await page.evaluate(() => window.current.states);
  assert.ok(states.includes("reconnecting"), states.join(","));
  await page.evaluate(() => window.current.vision.stop());
  assert.deepEqual(await page.evaluate(() => window.current.errors), []);
  await waitFor(async () => (await emulator.streams()).open.length === 0, 5000, "no open stream");
});
