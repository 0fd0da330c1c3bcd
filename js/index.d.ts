// Types of the auto-initialising entry point: the same API as the generated module.
export * from "./overshoot_wasm.js";
