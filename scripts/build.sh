#!/usr/bin/env bash
# Builds the npm package into pkg/: cargo (size profile) → wasm-bindgen --target web → wasm-opt -Oz.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

cargo build -p overshoot-wasm --target wasm32-unknown-unknown --profile wasm-release
rm -rf pkg
wasm-bindgen --target web --out-dir pkg --out-name overshoot_wasm \
  target/wasm32-unknown-unknown/wasm-release/overshoot_wasm.wasm
# Keep the target features rustc enabled (bulk memory, etc.); see shared toolchain notes.
node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  pkg/overshoot_wasm_bg.wasm -o pkg/overshoot_wasm_bg.wasm
# The entry re-exports the error classes from the runtime module the wasm imports.
runtime=$(cd pkg && ls snippets/*/js/runtime.js)
# runtime.js loads these with import() when a session needs them; wasm-bindgen copies
# them because src/ names their modules (copies_sources_js, copies_livekit_js).
for lazy in sources.js livekit.js; do
  [ -f "pkg/$(dirname "$runtime")/$lazy" ] || { echo "pkg/: $lazy is not beside runtime.js" >&2; exit 1; }
done
sed "s#__RUNTIME__#./$runtime#" js/index.js > pkg/index.js
cp js/index.d.ts pkg/
# Every .js in pkg/ minified in place, with a source map beside it (see scripts/minify.mjs).
find pkg -name '*.js' -print0 | xargs -0 node scripts/minify.mjs
# Sizes as served: gzip -9 of each file, summed (like bench/lib/report.mjs).
gz() { local sum=0 f; for f in "$@"; do sum=$((sum + $(gzip -9c < "$f" | wc -c))); done; echo "$sum"; }
snippets=pkg/$(dirname "$runtime")
echo "built pkg/: wasm $(wc -c < pkg/overshoot_wasm_bg.wasm) B ($(gz pkg/overshoot_wasm_bg.wasm) B gzip)"
echo "  JS a camera page loads (glue + index.js + runtime.js + connection.js): $(gz pkg/overshoot_wasm.js pkg/index.js "$snippets/runtime.js" "$snippets/connection.js") B gzip"
echo "  loaded when needed: sources.js $(gz "$snippets/sources.js") B gzip (screen, video, HLS), livekit.js $(gz "$snippets/livekit.js") B gzip (LiveKit transport; loads sources.js too)"
