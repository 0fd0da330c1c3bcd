// One case list, three judges: the browser client (StreamClient.createStream, which
// validates before sending) and the emulator (over HTTP, no client in between) must
// both give each case the verdict in tests/conformance/cases.json, as the protocol
// core does in `cargo test`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KEY, ROOT, solidY4m, packedPackage, startEmulator, launchChromium, openSdkPage, recordOffer } from "./harness.mjs";

const { cases } = JSON.parse(readFileSync(join(ROOT, "tests/conformance/cases.json"), "utf8"));
let emulator, browser, page;

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ www: join(ROOT, "tests/e2e/www"), pkg: pkgDir });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await openSdkPage(browser, emulator.url);
  await recordOffer(page); // a real offer for the cases' "$OFFER"
});

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

test("client and emulator give every conformance case the same verdict", async () => {
  const verdicts = await page.evaluate(async ({ cases, key }) => {
    const client = new window.sdk.StreamClient({ apiKey: key, apiUrl: location.origin });
    const withOffer = (request) => JSON.parse(JSON.stringify(request).replaceAll("$OFFER", window.offerSdp.replace(/\r\n/g, "\\r\\n")));
    const out = [];
    for (const { name, request } of cases) {
      const body = withOffer(request);
      // The emulator, directly.
      const res = await fetch("/streams", {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const answer = await res.json();
      let server;
      if (res.status === 200) {
        server = "ok";
        await client.closeStream(answer.stream_id);
      } else {
        server = res.status === 422 ? answer.details?.field : `HTTP ${res.status}`;
      }
      // The client.
      let clientVerdict;
      try {
        const created = await client.createStream(body);
        clientVerdict = "ok";
        await client.closeStream(created.stream_id);
      } catch (e) {
        clientVerdict = e instanceof window.sdk.ValidationError && e.status === undefined
          ? e.details?.field
          : `${e.name} ${e.status}: ${e.message}`;
      }
      out.push({ name, server, client: clientVerdict });
    }
    return out;
  }, { cases, key: KEY });

  for (const [i, v] of verdicts.entries()) {
    assert.equal(v.server, cases[i].verdict, `emulator on "${v.name}"`);
    assert.equal(v.client, cases[i].verdict, `client on "${v.name}"`);
  }
  const report = await emulator.streams();
  assert.equal(report.open.length, 0, "every created stream was closed");
});
