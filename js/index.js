// Entry point of the npm package in browsers: loads the WebAssembly module once
// (top-level await), then re-exports the API and the error classes, so apps can
// `new RealtimeVision(...)` right after importing. For explicit control over loading,
// import "overshoot-wasm/manual-init" and call its default export yourself. Server
// builds (Node, react-server, workerd, edge-light) resolve to no-browser.js instead
// (see package.json `exports`).
import init from "./manual-init.js";

await init({ module_or_path: new URL("./overshoot_wasm_bg.wasm", import.meta.url) });

export * from "./manual-init.js";
