// The package's main entry for server builds (Node, `react-server`, `workerd`,
// `edge-light`; package.json `exports`): everything of no-browser-manual-init.js but its
// default export, as index.js is manual-init.js with the wasm loaded.
export * from "./no-browser-manual-init.js";
