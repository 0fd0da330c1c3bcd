// `node scripts/minify-wasm-names.mjs <pkg dir> <names.json> [<out-name>]` (called by
// scripts/build.sh once per module; <out-name> is wasm-bindgen's, `overshoot_wasm` by default):
// gives the JS glue the short import and export names that `wasm-opt
// --minify-imports-and-exports-and-modules` gave the wasm, whose mapping (JSON on
// wasm-opt's stdout) is <names.json>; `memory` gets its name back. wasm-bindgen names
// every import `__wbg_<name>_<16 hex digits>` and repeats its module path in each one;
// the wasm and the glue both carry every name, so the short names cut ≈ 2.9 KB gzip
// from the wasm and ≈ 2.1 KB from the glue.
//
// The glue is rewritten where wasm-bindgen writes the names (the keys of the import
// object, the returned module map, `wasm.<export>`) and checked against the wasm
// itself: the build fails if any import or export does not line up.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [dir, namesFile, outName = "overshoot_wasm"] = process.argv.slice(2);
const names = JSON.parse(readFileSync(namesFile, "utf8"));
const gluePath = join(dir, `${outName}.js`);
const wasmPath = join(dir, `${outName}_bg.wasm`);
const fail = (why) => {
  console.error(`minify-wasm-names: ${why}`);
  process.exit(1);
};
let glue = readFileSync(gluePath, "utf8");

// Imports wasm-bindgen generates are keys of `import0`; the snippets' own exports come
// in through namespace objects (`import * as importN from "./snippets/…"`).
const own = `./${outName}_bg.js`;
const namespaces = new Map(
  [...glue.matchAll(/^import \* as (import\d+) from "([^"]+)"/gm)].map(([, v, path]) => [path, v]),
);
const extra = [];
for (const [module, old, short] of names.imports) {
  if (module === own) {
    const key = new RegExp(`^(\\s+)${old.replace(/\$/g, "\\$")}: function`, "m");
    if (!key.test(glue)) fail(`import ${old} is not a key of the glue's import object`);
    glue = glue.replace(key, `$1${short}: function`);
  } else {
    const ns = namespaces.get(module);
    if (!ns) fail(`no namespace import of ${module} in the glue`);
    extra.push(`        ${short}: ${ns}.${old},`);
  }
}

// Exports keep their short names, except `memory`: `init()` returns the exports
// (`InitOutput` in the .d.ts, rewritten below) and apps may read its `memory`.
const KEEP = new Set(["memory"]);
const exported = new Map(names.exports.map(([old, short]) => [old, KEEP.has(old) ? old : short]));
const bytes = renameExports(
  readFileSync(wasmPath),
  new Map(names.exports.map(([old, short]) => [short, exported.get(old)])),
);
writeFileSync(wasmPath, bytes);

// The module map: every import now comes from the one module wasm-opt named.
const wasm = new WebAssembly.Module(bytes);
const modules = new Set(WebAssembly.Module.imports(wasm).map((i) => i.module));
if (modules.size !== 1) fail(`expected one import module, got ${[...modules].join(", ")}`);
const [module] = modules;
const map = /return \{\n\s+__proto__: null,\n(\s+"[^"]+": import\d+,\n)+\s+\};/;
if (!map.test(glue)) fail("the glue's module map is not where it was");
glue = glue.replace(map, `return { __proto__: null, ${JSON.stringify(module)}: import0 };`);
glue = glue.replace(/(const import0 = \{\n\s+__proto__: null,\n)/, `$1${extra.join("\n")}\n`);

// Check against the wasm: every import is a key of import0, looked for only among
// that object literal's own keys (one indent deeper than its `const`, up to the `};`
// at the `const`'s indent), so a short name found anywhere else cannot pass for one.
const literal = glue.match(/^( *)const import0 = \{\n([\s\S]*?)\n\1\};/m);
if (!literal) fail("no `const import0 = {…};` in the glue");
const keyIndent = `${literal[1]}    `;
const keys = new Set(
  [...literal[2].matchAll(new RegExp(`^${keyIndent}([A-Za-z_$][\\w$]*): `, "gm"))].map(([, key]) => key),
);
for (const { name } of WebAssembly.Module.imports(wasm)) {
  if (!keys.has(name)) fail(`import ${name} is missing`);
}
// Exports: `wasm.<name>` everywhere in the glue, checked against the wasm.
const exports = new Set(WebAssembly.Module.exports(wasm).map((e) => e.name));
glue = glue.replace(/\bwasm\.([A-Za-z_$][\w$]*)/g, (whole, old) => {
  const name = exported.get(old);
  if (!exports.has(name)) fail(`the glue uses wasm.${old}, which the wasm does not export`);
  return `wasm.${name}`;
});
writeFileSync(gluePath, glue);

// Types that list the exports by name: `InitOutput` and the wasm's own .d.ts.
for (const file of [`${outName}.d.ts`, `${outName}_bg.wasm.d.ts`]) {
  const path = join(dir, file);
  const text = readFileSync(path, "utf8").replace(
    /^(\s*(?:readonly|export const) )([A-Za-z_$][\w$]*):/gm,
    (whole, head, old) => (exported.has(old) ? `${head}${exported.get(old)}:` : whole),
  );
  writeFileSync(path, text);
}

/** LEB128 unsigned: [value, next offset]. */
function readU32(b, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = b[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

function u32(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
}

/** The module with its export section (id 7) renamed through `rename` (old → new). */
function renameExports(b, rename) {
  const parts = [b.subarray(0, 8)];
  let at = 8;
  while (at < b.length) {
    const id = b[at];
    const [size, body] = readU32(b, at + 1);
    const end = body + size;
    if (id !== 7) {
      parts.push(b.subarray(at, end));
    } else {
      const [count, first] = readU32(b, body);
      const out = [...u32(count)];
      let p = first;
      for (let i = 0; i < count; i++) {
        const [len, name] = readU32(b, p);
        const short = new TextDecoder().decode(b.subarray(name, name + len));
        const [, next] = readU32(b, name + len + 1); // kind byte, then the index
        const full = new TextEncoder().encode(rename.get(short) ?? short);
        out.push(...u32(full.length), ...full, ...b.subarray(name + len, next));
        p = next;
      }
      parts.push(Uint8Array.from([7, ...u32(out.length), ...out]));
    }
    at = end;
  }
  return Buffer.concat(parts);
}
