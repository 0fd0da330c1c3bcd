// `node bench/size-profile.mjs [overshoot_wasm_v1beta]`: where the shipped wasm's bytes go,
// by area: the main entry's module, or with the argument the v1beta entry's.
// Builds a copy of pkg/'s wasm that keeps its function names (wasm-bindgen
// --keep-debug, then the same wasm-opt -Oz and renaming as scripts/build.sh, plus -g), runs
// `twiggy top` on it and sums the functions and data by area. Needs
// `bash scripts/build.sh` first (for the cargo output) and `cargo install twiggy`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../tests/e2e/harness.mjs";

// scripts/build.sh leaves both cargo outputs here, their panic paths snipped, as <out-name>-snipped.wasm.
const WASM = join(ROOT, "target/wasm32-unknown-unknown/wasm-release", `${process.argv[2] ?? "overshoot_wasm"}-snipped.wasm`);
const dir = mkdtempSync(join(tmpdir(), "size-profile-"));
const run = (cmd, args) => execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
run("wasm-bindgen", ["--target", "web", "--keep-debug", "--out-dir", dir, "--out-name", "o", WASM]);
const named = join(dir, "named.wasm");
run(join(ROOT, "node_modules/.bin/wasm-opt"), [
  "-Oz", "--low-memory-unused", "-g", "--minify-imports-and-exports-and-modules", "--strip-producers", "--strip-target-features",
  "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
  "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue", join(dir, "o_bg.wasm"), "-o", named,
]);
const csv = run("twiggy", ["top", "-n", "100000", "-f", "csv", named]);

/** Areas in order: the first whose test matches a function's name takes its bytes. */
const AREAS = [
  ["strings and constant tables (data segments)", (n) => n.startsWith("data segment") || /^data\[\d+\]$/.test(n)],
  ["async glue: future_to_promise per async method, executor, channels",
    (n) => /future_to_promise|js_sys::futures|futures_channel|futures_util|core::pin::Pin/.test(n)],
  ["config reading (the constructor shims inline it), JsObject readers",
    (n) => /realtimevision_new|streamclient_new|facade::config|source_config|js_object/.test(n)],
  ["other wasm-bindgen shims, imports, closures", (n) => /shim|^import|wasm_bindgen|externref|closures/.test(n)],
  ["session task and start-up (overshoot_wasm::session)", (n) => n.includes("overshoot_wasm::session")],
  ["facade methods (each async method's own future)", (n) => n.includes("overshoot_wasm::facade")],
  ["platform owners (http, responses, errors, media, peer, socket, timers)",
    (n) => /overshoot_wasm::platform|gloo_net|web_sys|js_sys/.test(n)],
  ["protocol core (validate, wire, body, numbers, endpoints)", (n) => n.includes("overshoot_protocol")],
  ["core::fmt and panic messages", (n) => /fmt|Formatter|Debug|Display|slice_error_fail|panic/.test(n)],
  ["core/alloc generics (str search, iterators, Vec, String)", (n) => /^<?(core|alloc)/.test(n)],
  ["allocator (talc)", (n) => n.includes("talc")],
  ["other", () => true],
];
const sums = new Map(AREAS.map(([name]) => [name, 0]));
for (const line of csv.trim().split("\n").slice(1)) {
  // Name,ShallowSize,...: names may hold commas inside quotes.
  const m = /^"?(.*?)"?,(\d+),/.exec(line);
  if (!m || m[1].includes("function names") || m[1].startsWith("Σ") || m[1].startsWith("...")) continue;
  const [area] = AREAS.find(([, test]) => test(m[1]));
  sums.set(area, sums.get(area) + Number(m[2]));
}
const total = [...sums.values()].reduce((a, b) => a + b, 0);
console.log(`named copy: ${statSync(named).size} B with names, ${total} B without (pkg/ ships the latter)`);
console.log("| area | KB (raw, before gzip) |\n|---|---:|");
for (const [area, bytes] of [...sums].sort((a, b) => b[1] - a[1])) console.log(`| ${area} | ${(bytes / 1024).toFixed(1)} |`);
console.log(`| total | ${(total / 1024).toFixed(1)} |`);
