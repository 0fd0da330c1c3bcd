#!/usr/bin/env bash
# Runs every test tier. Installs what a fresh machine lacks first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== 1/5 native: protocol core, emulator and gateway unit tests"
cargo test -p overshoot-protocol -p overshoot-emulator -p overshoot-gateway

echo "== 2/5 browser: platform owners and config reading, wasm-bindgen-test in headless Chromium and Firefox ESR"
# webdriver.json (beside Cargo.toml) gives each browser its flags and a fake camera.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
# With the `v1beta` feature (which turns on `livekit`): the whole code (both API
# generations and the LiveKit transport, the full entry's module). The main entry's
# module is that code minus v1beta and the LiveKit transport; its refusals of a v1beta
# apiUrl and of `transport: "livekit"` are checked end to end (tests/e2e/entries.test.mjs).
echo "-- Chromium"
CHROMEDRIVER=$(command -v chromedriver) cargo test -p overshoot-wasm --target wasm32-unknown-unknown --features v1beta
echo "-- Firefox ESR"
GECKODRIVER=$(command -v geckodriver) cargo test -p overshoot-wasm --target wasm32-unknown-unknown --features v1beta

echo "== 3/5 build: npm package (pkg/), emulator and gateway"
bash scripts/build.sh
cargo build -p overshoot-emulator -p overshoot-gateway
echo "-- the shipped .d.ts types a strict TypeScript app (tests/types/usage.ts)"
node_modules/.bin/tsc -p tests/types/tsconfig.json

echo "== 4/5 end-to-end: packed package in headless Chromium (Playwright) and Firefox ESR (geckodriver) against the emulator (and the gateway in front of it)"
node --test --test-concurrency=1 tests/e2e/

echo "== 5/5 installs: the packed package in real Next.js, Vite, webpack, Node and tsc apps (newest versions from npm, installed once into test-output/install-apps/)"
node --test --test-concurrency=1 tests/install/
