#!/usr/bin/env bash
# Retakes the README's pictures of a deploy: docs/web-ui-running-deploy*.png (the Temporal Web UI's
# page of an immutable deploy while it runs) and docs/deploy-timeline.svg (hybrid-deploy report of
# that deploy once it finished). Installs Debian's chromium when it is missing (run as root, or
# install it yourself first), then drives it with playwright-core against a local stack of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "screenshot: installing chromium (Debian package)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
fi
bash scripts/setup.sh --build
node dist/scripts/screenshot-web-ui.js "$@"
