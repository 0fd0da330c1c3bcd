// Types of `overshoot-wasm/manual-init`: the main entry's exports plus the default
// export, `init()`, which loads the wasm once (await it before constructing anything;
// concurrent and later calls share the first load).
export * from "./overshoot_wasm.js";
export { default } from "./overshoot_wasm.js";
export * from "./errors.js";
// Explicit: the class wins over the generated interface of the same name.
export { OvershootError } from "./errors.js";
