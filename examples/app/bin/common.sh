# Sourced by start.sh, stop.sh and restart.sh: where things are, and whether the app runs.
#
# Layout: <installDir>/releases/<version>/{server.js,VERSION,bin/}
#         <installDir>/current -> releases/<version>
#         <installDir>/shared/{app.log,app.pid}   (survives releases)
# The release dir is found from this script's own path, with symlinks resolved, so
# <installDir>/current/bin/start.sh runs the release `current` points at.

BIN_DIR=$(cd "$(dirname "$0")" && pwd -P)
RELEASE_DIR=$(cd "$BIN_DIR/.." && pwd -P)
if [ -n "${INSTALL_DIR:-}" ]; then
  :
elif [ "$(basename "$(dirname "$RELEASE_DIR")")" = releases ]; then
  INSTALL_DIR=$(cd "$RELEASE_DIR/../.." && pwd -P)
else
  echo "example-app: $RELEASE_DIR is not under <installDir>/releases/; set INSTALL_DIR" >&2
  exit 2
fi
SHARED_DIR="$INSTALL_DIR/shared"
LOG_FILE="$SHARED_DIR/app.log"
PID_FILE="$SHARED_DIR/app.pid"
# node (server.js) unless the release was built with the light runtime (a RUNTIME file saying perl).
RUNTIME=$(cat "$RELEASE_DIR/RUNTIME" 2>/dev/null || echo node)

# Succeeds if process $1 exists and has not exited (an exited child not yet reaped by its parent,
# a zombie, still answers kill -0).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  if [ -r "/proc/$1/stat" ]; then
    state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
    [ "$state" != Z ] || return 1
  fi
  return 0
}

# Prints the pid of the running app and succeeds, or fails if it is not running (a pid file left
# by a crash, or a pid since reused by another program, counts as not running).
app_pid() {
  [ -f "$PID_FILE" ] || return 1
  pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
  case "$pid" in '' | *[!0-9]*) return 1 ;; esac
  alive "$pid" || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qE 'server\.(js|pl)' || return 1
  fi
  echo "$pid"
}

# Removes the pid file only if it still names process $1. A start that lost its app (killed by a
# restart from a new release, e.g. a boot script racing a deploy) must not delete the pid file the
# new release's start wrote meanwhile: that would leave the new app running untracked.
forget_pid() {
  [ "$(cat "$PID_FILE" 2>/dev/null)" = "$1" ] && rm -f "$PID_FILE"
  return 0
}

log_tail() {
  echo "--- last lines of $LOG_FILE ---" >&2
  tail -n 20 "$LOG_FILE" >&2 2>/dev/null || true
}

# The pause between two looks at the app while it starts or stops. Short, because a deploy waits
# for every restart (a mutable rollout, batch after batch): the app is usually up or gone within
# tens of ms, and a 50 ms pause cost each restart about as much again. sleep accepts fractions
# with GNU coreutils and busybox; fall back to whole seconds elsewhere.
nap() {
  sleep 0.01 2>/dev/null || sleep 1
}
