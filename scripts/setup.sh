#!/usr/bin/env bash
# Makes a fresh clone ready: npm dependencies (npm ci, when missing or stale) and the Temporal CLI.
# With --build it also compiles to dist/ (the demo, the CLI and the production worker run from it).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi

# A failed install is not fatal here: the tests and the demo then fail with a message that says
# how to get the CLI, which is clearer than a half-finished setup.
bash scripts/install-temporal-cli.sh || true

if [ "${1:-}" = "--build" ]; then
  echo "setup: npm run build" >&2
  npm run --silent build >&2
fi
