#!/bin/sh
# Stops whatever release of example-app runs in this install dir, then starts this release.
# Run as <installDir>/current/bin/restart.sh after switching `current` to a new release.
set -eu
bin_dir=$(cd "$(dirname "$0")" && pwd -P)
"$bin_dir/stop.sh"
exec "$bin_dir/start.sh"
