#!/usr/bin/env bash
# Installs what building and testing need, skipping whatever is already present:
# the wasm32 target, wasm-bindgen-cli (pinned to Cargo.lock), wasm-snip, npm dev dependencies,
# geckodriver (pinned), and Debian's Chromium + ChromeDriver, Firefox ESR, libvpx-dev,
# pkg-config, coturn and redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

# wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock exactly. No --locked: it
# fails on this registry (a locked dependency version is missing; see shared notes).
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock 2>/dev/null || true)
WB_VERSION=${WB_VERSION:-0.2.130}
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WB_VERSION"; then
  cargo install wasm-bindgen-cli --version "$WB_VERSION"
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund
fi

# Debian packages: Chromium + ChromeDriver and Firefox ESR for the browser tests,
# libvpx (VP8) and pkg-config for the emulator's VP8 decoder, coturn for the TURN test,
# redis-server for the gateway tests that share one store between two gateways.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v firefox-esr >/dev/null || missing+=(firefox-esr)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v pkg-config >/dev/null || missing+=(pkg-config)
pkg-config --exists vpx 2>/dev/null || missing+=(libvpx-dev)
command -v turnserver >/dev/null || missing+=(coturn)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

# wasm-snip (scripts/build.sh: the panic paths, which trap either way, snipped).
if ! wasm-snip --version 2>/dev/null | grep -q "0.4.0"; then
  cargo install wasm-snip --version 0.4.0
fi

# geckodriver is in neither Debian nor npm (its npm installer downloads from outside);
# crates.io has it.
GECKODRIVER_VERSION=0.37.1
if ! geckodriver --version 2>/dev/null | grep -q "$GECKODRIVER_VERSION"; then
  cargo install geckodriver --version "$GECKODRIVER_VERSION"
fi
