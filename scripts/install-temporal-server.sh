#!/usr/bin/env bash
# Builds the Temporal server and its SQL schema tool from the Go module proxy into the project's
# git-ignored .tools/temporal-server-<version>/, for the cluster suite (test/cluster/). The version
# is the one docker-compose.temporal.yml runs, so both paths use the same server and schema.
# Idempotent: a folder that already holds both binaries is reused, so only the first run builds
# (several minutes on two cores). TEMPORAL_SERVER_DIR names a folder with both binaries instead.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=1.29.1
DIR="${TEMPORAL_SERVER_DIR:-$PWD/.tools/temporal-server-$VERSION}"

if [ -x "$DIR/temporal-server" ] && [ -x "$DIR/temporal-sql-tool" ]; then
  exit 0
fi
if [ -n "${TEMPORAL_SERVER_DIR:-}" ]; then
  echo "temporal server: TEMPORAL_SERVER_DIR=$TEMPORAL_SERVER_DIR lacks temporal-server or temporal-sql-tool" >&2
  exit 1
fi
if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
temporal server: Go is not installed, so the server cannot be built. Do one of:
  - install Go (1.25 or newer; an older go fetches 1.25 itself unless GOTOOLCHAIN=local) and run: bash scripts/install-temporal-server.sh
  - or build both binaries elsewhere and set TEMPORAL_SERVER_DIR to a folder holding
    temporal-server and temporal-sql-tool (go.temporal.io/server/cmd/server and cmd/tools/sql @v$VERSION)
MSG
  exit 1
fi

# Build into a scratch folder and move it in place at the end, so an interrupted build never
# leaves a folder that looks complete.
mkdir -p "$(dirname "$DIR")"
scratch="$(mktemp -d "$DIR.partial.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
echo "temporal server: building go.temporal.io/server v$VERSION (server + SQL tool; several minutes the first time)" >&2
started=$(date +%s)
GOBIN="$scratch" go install "go.temporal.io/server/cmd/server@v$VERSION" "go.temporal.io/server/cmd/tools/sql@v$VERSION" >&2
mv "$scratch/server" "$scratch/temporal-server"
mv "$scratch/sql" "$scratch/temporal-sql-tool"
rm -rf "$DIR"
mv "$scratch" "$DIR"
trap - EXIT
echo "temporal server: built in $(( $(date +%s) - started ))s into $DIR" >&2
