// The import a webpack user writes first (webpack 5 with no config: ./src/index.js →
// ./dist/main.js, production mode).
import { RealtimeVision, ValidationError } from "overshoot-wasm";
import { streamToEmulator } from "./session.js";

streamToEmulator({ RealtimeVision, ValidationError });
document.getElementById("status").textContent = "started";
