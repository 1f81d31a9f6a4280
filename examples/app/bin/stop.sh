#!/bin/sh
# Stops example-app (SIGTERM: it finishes in-flight requests) and waits up to 10 s for it to
# exit, then sends SIGKILL. A no-op if it is not running.
set -eu
. "$(dirname "$0")/common.sh"

if ! pid=$(app_pid); then
  rm -f "$PID_FILE"
  echo "example-app not running"
  exit 0
fi

kill -TERM "$pid" 2>/dev/null || true
deadline=$(($(date +%s) + 10))
while alive "$pid"; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "example-app (pid $pid) still running after 10 s; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    break
  fi
  nap
done
forget_pid "$pid"
echo "example-app stopped (pid $pid)"
