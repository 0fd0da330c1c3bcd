// Structured output: with `outputSchema`, every result of the emulator is JSON that
// validates against the app's schema (checked here with Ajv, independent of the
// emulator's own validator) and says what the red camera shows; a schema the emulator
// cannot answer is refused at create with a 422 naming the construct.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { ROOT, solidY4m, packedPackage, startEmulator, launchChromium, openSdkPage, waitFor } from "./harness.mjs";

let emulator, browser, page;

/** An app's schema in OpenAI's strict style: nested objects, an enum, a nullable
 * field, an array of objects from `$defs`, bounds and formats. */
const SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  additionalProperties: false,
  required: ["colour", "summary", "frames", "size", "confidence", "seen_at", "objects", "note"],
  properties: {
    colour: { type: "string", enum: ["blue", "green", "red", "other"] },
    summary: { type: "string", maxLength: 120 },
    frames: { type: "integer", minimum: 1 },
    size: {
      type: "object", additionalProperties: false, required: ["width", "height"],
      properties: { width: { type: "integer" }, height: { type: "integer" } },
    },
    confidence: { type: "number", minimum: 0, maximum: 1 },
    seen_at: { type: "string", format: "date-time" },
    objects: { type: "array", minItems: 1, maxItems: 3, items: { $ref: "#/$defs/object" } },
    note: { type: ["string", "null"] },
  },
  $defs: {
    object: {
      type: "object", additionalProperties: false, required: ["label", "id"],
      properties: { label: { type: "string" }, id: { type: "string", format: "uuid" } },
    },
  },
};

before(async () => {
  const { pkgDir } = packedPackage();
  emulator = await startEmulator({ www: join(ROOT, "tests/e2e/www"), pkg: pkgDir });
  browser = await launchChromium(solidY4m([230, 20, 20]));
  page = await openSdkPage(browser, emulator.url);
});

after(async () => {
  await browser?.close();
  await emulator?.stop();
});

test("each structured result validates against the app's schema (Ajv) and says red", async () => {
  const results = await page.evaluate(async ({ schema }) => {
    const s = window.recordSession({ outputSchema: schema });
    await s.vision.start();
    await s.untilResults(3);
    await s.vision.stop();
    return s.results.map((r) => ({ ok: r.ok, error: r.error, result: r.result }));
  }, { schema: SCHEMA });
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  const validate = ajv.compile(SCHEMA);
  assert.ok(results.length >= 3, JSON.stringify(results));
  for (const r of results) {
    assert.equal(r.ok, true, JSON.stringify(r));
    const value = JSON.parse(r.result);
    assert.ok(validate(value), `${r.result}: ${ajv.errorsText(validate.errors)}`);
    assert.equal(value.colour, "red");
    assert.deepEqual(value.size, { width: 640, height: 480 });
    assert.match(value.summary, /^red: mean RGB/);
  }
  await waitFor(async () => (await emulator.streams()).open.length === 0, 5000, "stream closed");
});

test("a schema the emulator cannot answer: start() rejects with a 422 ValidationError", async () => {
  const outcome = await page.evaluate(async () => {
    const s = window.recordSession({
      outputSchema: { type: "object", properties: { a: { $ref: "#/$defs/missing" } }, required: ["a"] },
    });
    const started = await s.tryStart();
    return { started, error: s.startError, state: s.vision.state };
  });
  assert.equal(outcome.started, false);
  assert.equal(outcome.error.name, "ValidationError", JSON.stringify(outcome));
  assert.equal(outcome.error.status, 422);
  assert.deepEqual(outcome.error.details, { field: "inference.output_schema_json" });
  assert.match(outcome.error.message, /#\/\$defs\/missing/);
  assert.equal((await emulator.streams()).open.length, 0);
});
