// Minifies the package's JS in place (called by scripts/build.sh with the files of pkg/):
// esbuild, ESM in and out, export names kept, an external source map (`<file>.map`,
// with the original text) beside each file. Three things minifying alone would lose
// are kept, and one thing it makes larger is left as written:
// - the names of exported classes (`RealtimeVision.name`), which esbuild renames with
//   the rest of the module scope: each file ends by setting them again;
// - the bundler hints in `import()` of an optional peer (`webpackIgnore`,
//   `@vite-ignore`), which esbuild drops with every other comment: they are put back
//   and the source map is shifted to match;
// - a leading `/* @ts-self-types=… */` (how Deno finds the glue's .d.ts);
// - `export { … } from "…"` (the error classes the entries re-export), which esbuild's
//   transform rewrites as an import and an export of renamed names: the statement is
//   taken out before minifying and appended to the output with its whitespace removed
//   (manual-init.js: 761 → 630 B gzip).
import { transform } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";

const HINTS = "/* webpackIgnore: true */ /* @vite-ignore */ ";
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** The numbers of one source-map segment (base64 VLQ). */
function decodeSegment(text) {
  const values = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    shift += 5;
    if (digit < 32) {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

function encodeSegment(values) {
  let text = "";
  for (const signed of values) {
    let value = signed < 0 ? (-signed << 1) | 1 : signed << 1;
    do {
      const digit = value & 31;
      value >>>= 5;
      text += BASE64[digit | (value > 0 ? 32 : 0)];
    } while (value > 0);
  }
  return text;
}

/**
 * Shifts what the map places at or after `column` of generated line `line` by `by`
 * columns. Columns are relative within a line, so only the first such segment changes.
 */
function shiftMap(map, line, column, by) {
  const lines = map.mappings.split(";");
  const segments = lines[line].split(",");
  let at = 0;
  for (let i = 0; i < segments.length; i++) {
    const values = decodeSegment(segments[i]);
    at += values[0];
    if (at >= column) {
      values[0] += by;
      segments[i] = encodeSegment(values);
      break;
    }
  }
  lines[line] = segments.join(",");
  map.mappings = lines.join(";");
}

/** Puts `HINTS` back into each `import(…)` whose argument is not a string literal. */
function restoreHints(code, map, expected) {
  const found = [...code.matchAll(/\bimport\((?=[^"'`])/g)].map((m) => m.index + m[0].length).reverse();
  if (found.length !== expected) throw new Error(`${found.length} import() of a variable after minifying, ${expected} hinted before`);
  for (const index of found) {
    const before = code.slice(0, index).split("\n");
    shiftMap(map, before.length - 1, before.at(-1).length, HINTS.length);
    code = code.slice(0, index) + HINTS + code.slice(index);
  }
  return code;
}

/**
 * Takes `export { … } from "…";` statements (each alone on its lines) out of `source`:
 * returns the source with each blanked (its line breaks kept, so the source map's
 * original positions still hold) and the statements without whitespace.
 */
function takeReexports(source) {
  const reexports = [];
  const rest = source.replace(/^export \{([^}]*)\} from ("[^"\n]*");$/gm, (statement, names, from) => {
    if (/\/[/*]/.test(names)) throw new Error(`a comment inside ${statement}: not handled`);
    const list = names.split(",").map((n) => n.trim().replace(/\s+/g, " ")).filter(Boolean);
    reexports.push(`export{${list.join(",")}}from${from};`);
    return statement.replace(/[^\n]/g, " ");
  });
  return { rest, reexports: reexports.join("") };
}

for (const file of process.argv.slice(2)) {
  const source = readFileSync(file, "utf8");
  const name = basename(file);
  const banner = /^\/\* @ts-self-types="[^"]*" \*\//.exec(source)?.[0];
  const classes = [...source.matchAll(/^export class (\w+)/gm)].map((m) => m[1]);
  const footer = classes.length
    ? `\nfor (const [name, cls] of Object.entries({ ${classes.join(", ")} })) Object.defineProperty(cls, "name", { value: name });\n`
    : "";
  const { rest, reexports } = takeReexports(source);
  const result = await transform(rest + footer, {
    format: "esm",
    minify: true,
    sourcemap: "external",
    sourcefile: name,
    banner,
    legalComments: "none",
  });
  const map = JSON.parse(result.map);
  map.sourcesContent = [source + footer]; // the text as written, re-exports included
  const hinted = source.split("import(/* webpackIgnore: true */").length - 1;
  const code = restoreHints(result.code, map, hinted);
  const tail = reexports ? `${reexports}\n` : "";
  writeFileSync(file, `${code}${tail}//# sourceMappingURL=${name}.map\n`);
  writeFileSync(`${file}.map`, JSON.stringify(map));
}
