#!/usr/bin/env bash
# Builds the npm package into pkg/: cargo (size profile) → wasm-bindgen --target web → wasm-opt -Oz.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# Two modules from one crate: the full entry's (`overshoot-wasm/full`, also
# `overshoot-wasm/v1beta`; feature `v1beta`, which turns on `livekit`: both API
# generations and the LiveKit transport) and the main entry's (the streams API over
# WebRTC only, so camera pages download neither v1beta nor the LiveKit transport).
# The second cargo build reuses every dependency; only the crate itself and LTO run
# again. Each module's cargo output, its panic paths snipped (below), is left in
# target/ as <out-name>-snipped.wasm (bench/size-profile.mjs reads it).
release=target/wasm32-unknown-unknown/wasm-release
rm -rf pkg
# The panic paths: with `panic = "abort"`, no panic hook installed and std's default
# hook writing nowhere on wasm32-unknown-unknown, a panic is a trap (`RuntimeError:
# unreachable`) whatever runs before it, so the message formatting and `Location`
# arguments reach no one. wasm-snip makes every panic entry point `unreachable` at once
# (std's and core's `panicking`, the `RefCell`/`LazyCell`, `unwrap`/`expect`, capacity
# and allocation-failure paths: all `-> !`), and wasm-opt then drops what set up their
# arguments (−1.0 KB gzip). Run on cargo's output, before wasm-bindgen adds externref
# (wasm-snip 0.4's parser predates reference types). Patterns match the symbols' mangled
# names in the name section, without the toolchain's crate hashes.
panics=(--snip-rust-panicking-code -p '4core4cell[0-9]+panic_already_' -p '4core4cell4lazy14panic_poisoned'
  -p '___rustc[0-9]+rust_begin_unwind' -p '___rustc[0-9]+rust_panic$' -p '4core6option13(expect|unwrap)_failed'
  -p '4core6result13unwrap_failed' -p '5alloc7raw_vec(17capacity_overflow|12handle_error)'
  -p '5alloc5alloc18handle_alloc_error' -p '___rust_alloc_error_handler' -p 'len_mismatch_fail')
# The dependencies' source paths, which the panics' `Location`s still put in the data
# (wasm-snip cannot drop data), relative to the registry: "futures-channel-0.3.34/src/…"
# instead of "/root/.cargo/registry/src/index.crates.io-…/futures-channel-0.3.34/src/…"
# (−64 B gzip). Only for these two builds (a RUSTFLAGS change rebuilds every dependency
# once; no other build shares their profile). std's own "/rustc/<hash>/library/…" paths
# come prebuilt and stay.
for registry in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  [ -d "$registry" ] && export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }--remap-path-prefix=$registry="
done
build_module() { # <wasm-bindgen out-name> [cargo options]
  local name=$1
  shift
  cargo build -p overshoot-wasm --target wasm32-unknown-unknown --profile wasm-release "$@"
  # A file of its own: cargo's output is a hard link into deps/, left as cargo made it.
  wasm-snip "$release/overshoot_wasm.wasm" -o "$release/$name-snipped.wasm" "${panics[@]}"
  wasm-bindgen --target web --out-dir pkg --out-name "$name" "$release/$name-snipped.wasm"
  # Keep the target features rustc enabled (bulk memory, etc.); see shared toolchain notes.
  # Import, export and module names shortened (wasm-opt prints the mapping, and
  # minify-wasm-names.mjs gives the glue the same names); the producers and
  # target_features sections, which only tools read, dropped once wasm-opt is done.
  # --low-memory-unused: addresses below 1024 are never used (rust-lld puts the 1 MiB
  # stack first, growing down from 1 MiB, the data and talc's heap above it: only a
  # stack within 1 KB of overflowing reaches them), so `load(p + C)` may become
  # `load offset=C (p)` (Emscripten's default for the same reason; −0.3 KB gzip).
  node_modules/.bin/wasm-opt -Oz --low-memory-unused --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    --minify-imports-and-exports-and-modules --strip-producers --strip-target-features \
    "pkg/${name}_bg.wasm" -o "pkg/${name}_bg.wasm" > "target/$name-names.json"
  node scripts/minify-wasm-names.mjs pkg "target/$name-names.json" "$name"
}
build_module overshoot_wasm_v1beta --features v1beta
build_module overshoot_wasm
# Both glues must import one runtime.js (one set of error classes, so `instanceof` and
# `name` work across entries): wasm-bindgen names the snippet folder after the crate.
[ "$(ls pkg/snippets | wc -l)" = 1 ] || { echo "pkg/: the two modules' snippets differ: $(ls pkg/snippets)" >&2; exit 1; }
# One API: the two modules declare the same classes and methods, so the v1beta entry's
# .d.ts is the main one's (only `InitOutput`, the raw wasm exports, differs).
api() { sed -e 's/overshoot_wasm_v1beta/overshoot_wasm/g' -e '/^export type InitInput/,$d' "$1"; }
diff <(api pkg/overshoot_wasm_v1beta.d.ts) <(api pkg/overshoot_wasm.d.ts) >&2 ||
  { echo "pkg/: the v1beta module's .d.ts differs from the main one's (above)" >&2; exit 1; }
# The entry re-exports the error classes from the runtime module the wasm imports.
runtime=$(cd pkg && ls snippets/*/js/runtime.js)
# runtime.js loads these with import() when a session needs them; wasm-bindgen copies
# them because src/ names their modules (copies_sources_js, copies_livekit_js).
# runtime-full.js is what only the full module imports (built first, so it is there).
for lazy in sources.js livekit.js runtime-full.js; do
  [ -f "pkg/$(dirname "$runtime")/$lazy" ] || { echo "pkg/: $lazy is not beside runtime.js" >&2; exit 1; }
done
# Entries (package.json `exports`): index.js (browsers; loads the wasm at import) is
# manual-init.js plus init(); no-browser*.js are the same exports without wasm for
# server builds (Node, react-server, workerd, edge-light).
for entry in index.js manual-init.js no-browser.js no-browser-manual-init.js; do
  sed "s#__RUNTIME__#./$runtime#" "js/$entry" > "pkg/$entry"
done
# The full entries (`overshoot-wasm/full`, `…/full/manual-init`, and their older names
# `overshoot-wasm/v1beta`, `…/v1beta/manual-init`: package.json maps both to these files)
# are the same two files with the full module's glue and wasm; on servers they resolve
# to the no-browser entries, which load no wasm at all.
sed -e 's#"./overshoot_wasm.js"#"./overshoot_wasm_v1beta.js"#g' pkg/manual-init.js > pkg/v1beta-manual-init.js
sed -e 's#"./manual-init.js"#"./v1beta-manual-init.js"#g' -e 's#"./overshoot_wasm_bg.wasm"#"./overshoot_wasm_v1beta_bg.wasm"#' \
  pkg/index.js > pkg/v1beta.js
grep -q overshoot_wasm_v1beta.js pkg/v1beta-manual-init.js && grep -q overshoot_wasm_v1beta_bg.wasm pkg/v1beta.js ||
  { echo "pkg/: the v1beta entries do not name the v1beta module (see the sed above)" >&2; exit 1; }
cp js/index.d.ts js/manual-init.d.ts js/errors.d.ts pkg/
# The v1beta entries' types are the main ones' (the same API, checked above).
v1types() { echo "// overshoot-wasm/full$1 (= overshoot-wasm/v1beta$1): the types of js/$2 (one API for both modules; see scripts/build.sh)."; cat "js/$2"; }
v1types "" index.d.ts > pkg/v1beta.d.ts
v1types /manual-init manual-init.d.ts > pkg/v1beta-manual-init.d.ts
# wasm-bindgen types `[Symbol.dispose]()`, which without this needs lib esnext (or
# esnext.disposable) in the app's tsconfig (TS2550 under skipLibCheck: false). The
# same declaration as TypeScript's own lib, so the two merge when both are present.
dispose='declare global { interface SymbolConstructor { readonly dispose: unique symbol } }'
grep -q 'Symbol.dispose' pkg/overshoot_wasm.d.ts || { echo "pkg/: no Symbol.dispose in overshoot_wasm.d.ts any more; drop the patch" >&2; exit 1; }
printf '%s\n%s\n' "// Declared here so that lib es2022 is enough (see scripts/build.sh)." "$dispose" |
  cat - pkg/overshoot_wasm.d.ts > pkg/overshoot_wasm.d.ts.new
mv pkg/overshoot_wasm.d.ts.new pkg/overshoot_wasm.d.ts
# Every .js in pkg/ minified in place, with a source map beside it (see scripts/minify.mjs).
find pkg -name '*.js' -print0 | xargs -0 node scripts/minify.mjs
# no-browser*.js list their exports by hand: fail if they differ from the browser entries'.
node scripts/check-entries.mjs pkg
# Sizes as served: gzip -9 of each file, summed (like bench/lib/report.mjs).
gz() { local sum=0 f; for f in "$@"; do sum=$((sum + $(gzip -9c < "$f" | wc -c))); done; echo "$sum"; }
snippets=pkg/$(dirname "$runtime")
echo "built pkg/: main module (overshoot-wasm): wasm $(wc -c < pkg/overshoot_wasm_bg.wasm) B ($(gz pkg/overshoot_wasm_bg.wasm) B gzip)"
echo "  JS a camera page loads (glue + index.js + manual-init.js + runtime.js + connection.js): $(gz pkg/overshoot_wasm.js pkg/index.js pkg/manual-init.js "$snippets/runtime.js" "$snippets/connection.js") B gzip"
echo "  full module (overshoot-wasm/full = overshoot-wasm/v1beta: v1beta and the LiveKit transport): wasm $(wc -c < pkg/overshoot_wasm_v1beta_bg.wasm) B ($(gz pkg/overshoot_wasm_v1beta_bg.wasm) B gzip); JS a v1beta or LiveKit page loads (its glue + v1beta.js + v1beta-manual-init.js + runtime.js + runtime-full.js + connection.js + livekit.js + sources.js): $(gz pkg/overshoot_wasm_v1beta.js pkg/v1beta.js pkg/v1beta-manual-init.js "$snippets/runtime.js" "$snippets/runtime-full.js" "$snippets/connection.js" "$snippets/livekit.js" "$snippets/sources.js") B gzip"
echo "  loaded when needed: sources.js $(gz "$snippets/sources.js") B gzip (screen, video, HLS), livekit.js $(gz "$snippets/livekit.js") B gzip (LiveKit transport; loads sources.js too)"
