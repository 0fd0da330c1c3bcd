// The import a webpack user writes first (webpack 5 with no config: ./src/index.js →
// ./dist/main.js, production mode).
import { RealtimeVision, ValidationError } from "overshoot-wasm";
import { checkFull, checkV1beta, streamToEmulator } from "./session.js";

streamToEmulator({ RealtimeVision, ValidationError });
// The v1beta entry, loaded on demand: the bundler emits its wasm as a second file.
checkV1beta(() => import("overshoot-wasm/v1beta"), { RealtimeVision, ValidationError });
// The full entry (the same files as v1beta's): the LiveKit transport.
checkFull(() => import("overshoot-wasm/full"), { RealtimeVision, ValidationError });
document.getElementById("status").textContent = "started";
