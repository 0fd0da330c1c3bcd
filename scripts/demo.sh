#!/usr/bin/env bash
# Builds the package and the emulator, then serves the demo (www/) with the emulator
# on http://127.0.0.1:${PORT:-8787}. With no API key the page talks to the emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cargo build -p overshoot-emulator
PORT=${PORT:-8787}
echo
echo "Demo: open http://127.0.0.1:$PORT/ (emulator key: emulator-key). Ctrl-C stops."
exec target/debug/overshoot-emulator --port "$PORT" --www www --pkg pkg "$@"
