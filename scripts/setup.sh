#!/usr/bin/env bash
# Installs what building and testing need, skipping whatever is already present.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
