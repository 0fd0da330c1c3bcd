#!/usr/bin/env bash
# Runs every test tier. Installs what a fresh machine lacks first (see scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== 1/4 protocol core: native unit tests"
cargo test -p overshoot-protocol
