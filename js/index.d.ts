// Types of the package's main entry (in browsers the wasm is loaded at import; server
// builds get the same exports without it): the generated API plus the error classes.
export * from "./overshoot_wasm.js";
export * from "./errors.js";
// Explicit: the class wins over the generated interface of the same name.
export { OvershootError } from "./errors.js";
