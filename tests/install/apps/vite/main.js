// The import a Vite user writes first (no vite.config: `vite build` and `vite` as is).
import { RealtimeVision, ValidationError } from "overshoot-wasm";
import { streamToEmulator } from "./session.js";

streamToEmulator({ RealtimeVision, ValidationError });
document.getElementById("status").textContent = "started";
