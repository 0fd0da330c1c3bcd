#!/usr/bin/env bash
# Builds the package, the emulator and the gateway, then serves the demo (www/) on
# http://127.0.0.1:${PORT:-8787} the way production runs: the page gets short-lived
# tokens from the demo server's /token and talks to an overshoot-gateway that holds the
# emulator's key (scripts/demo-server.mjs). Type a real key in the page to skip both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cargo build -p overshoot-emulator -p overshoot-gateway
export PORT=${PORT:-8787}
echo
exec node scripts/demo-server.mjs
