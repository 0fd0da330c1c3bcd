// Fails when a server entry's exports differ from its browser twin's (called by
// scripts/build.sh on the built pkg/). no-browser*.js list their exports by hand, so a
// name added to the wasm or to manual-init.js would otherwise be silently missing on
// servers (an import that is `undefined` in SSR, or a bundler error). The browser entries
// cannot be imported under Node (index.js loads the wasm at import), so esbuild reads
// each entry's export names, `export *` followed, from its metafile; nothing is run.
import { build } from "esbuild";
import { join } from "node:path";

const PAIRS = [
  ["index.js", "no-browser.js"],
  ["manual-init.js", "no-browser-manual-init.js"],
  // The v1beta entries resolve to the same server entries (package.json `exports`).
  ["v1beta.js", "no-browser.js"],
  ["v1beta-manual-init.js", "no-browser-manual-init.js"],
];

/** The names the module `file` exports, sorted. */
async function exportsOf(file) {
  const result = await build({
    entryPoints: [file],
    bundle: true,
    format: "esm",
    platform: "neutral",
    packages: "external",
    write: false,
    metafile: true,
    outdir: "check-entries.out",
    logLevel: "error",
  });
  const entry = Object.values(result.metafile.outputs).find((output) => output.entryPoint);
  return [...entry.exports].sort();
}

const dir = process.argv[2] ?? "pkg";
let failed = false;
for (const [browser, server] of PAIRS) {
  const [want, have] = await Promise.all([exportsOf(join(dir, browser)), exportsOf(join(dir, server))]);
  const missing = want.filter((name) => !have.includes(name));
  const extra = have.filter((name) => !want.includes(name));
  if (missing.length || extra.length) {
    failed = true;
    console.error(
      `${dir}/${server} must export what ${dir}/${browser} exports (see js/${server} and what it re-exports):` +
        (missing.length ? ` missing ${missing.join(", ")};` : "") +
        (extra.length ? ` extra ${extra.join(", ")};` : ""),
    );
  }
}
if (failed) process.exit(1);
console.log(`  server entries export what their browser twins do (${PAIRS.map((p) => p.join(" ↔ ")).join(", ")})`);
