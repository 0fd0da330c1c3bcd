// A plain `node` import of the entries (main, manual-init and their full and v1beta twins), as a server, a test runner or a script would
// write it. Prints what it found as JSON (the test asserts on it); throws only if an
// import itself fails.
import * as main from "overshoot-wasm";
import * as manual from "overshoot-wasm/manual-init";
import * as v1beta from "overshoot-wasm/v1beta";
import * as v1betaManual from "overshoot-wasm/v1beta/manual-init";
import * as full from "overshoot-wasm/full";
import * as fullManual from "overshoot-wasm/full/manual-init";
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
  v1betaExports: Object.keys(v1beta).sort(),
  v1betaManualExports: Object.keys(v1betaManual).sort(),
  fullExports: Object.keys(full).sort(),
  fullManualExports: Object.keys(fullManual).sort(),
  sameErrorClasses: [manual, required, v1beta, v1betaManual, full, fullManual].every((entry) => entry.ValidationError === main.ValidationError),
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
