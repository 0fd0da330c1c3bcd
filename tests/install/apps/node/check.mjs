// A plain `node` import of both entries, as a server, a test runner or a script would
// write it. Prints what it found as JSON (the test asserts on it); throws only if an
// import itself fails.
import * as main from "overshoot-wasm";
import * as manual from "overshoot-wasm/manual-init";
import { createRequire } from "node:module";

function thrown(call) {
  try {
    call();
    return null;
  } catch (error) {
    return { name: error.name, message: error.message, isOvershootError: error instanceof main.OvershootError };
  }
}

const required = createRequire(import.meta.url)("overshoot-wasm");
const report = {
  mainExports: Object.keys(main).sort(),
  manualExports: Object.keys(manual).sort(),
  sameErrorClasses: manual.ValidationError === main.ValidationError && required.ValidationError === main.ValidationError,
  validationError: (() => {
    const error = new main.ValidationError("bad", { details: { field: "prompt" } });
    return { name: error.name, isOvershootError: error instanceof main.OvershootError, details: error.details };
  })(),
  newRealtimeVision: thrown(() => new main.RealtimeVision({ apiKey: "k", prompt: "p", onResult() {} })),
  newStreamClient: thrown(() => new manual.StreamClient({ apiKey: "k" })),
  init: await manual.default().then(() => null, (error) => ({
    name: error.name,
    message: error.message,
    isOvershootError: error instanceof main.OvershootError,
  })),
};
console.log(JSON.stringify(report));
