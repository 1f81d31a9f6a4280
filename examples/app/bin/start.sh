#!/bin/sh
# Starts example-app from this release in the background and waits (up to 10 s) until it answers
# on its port with this release's version. A no-op if the app already runs.
# Environment: PORT (8080), HOST / PRIVATE_IP (bind address, default 0.0.0.0), INSTANCE_ID.
set -eu
. "$(dirname "$0")/common.sh"

if pid=$(app_pid); then
  echo "example-app already running (pid $pid)"
  exit 0
fi

mkdir -p "$SHARED_DIR"
version=$(cat "$RELEASE_DIR/VERSION")
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) starting example-app $version from $RELEASE_DIR" >>"$LOG_FILE"
if [ "$RUNTIME" = perl ]; then
  nohup perl "$RELEASE_DIR/server.pl" >>"$LOG_FILE" 2>&1 </dev/null &
else
  nohup node "$RELEASE_DIR/server.js" >>"$LOG_FILE" 2>&1 </dev/null &
fi
pid=$!
echo "$pid" >"$PID_FILE"

port=${PORT:-8080}
host=${HOST:-${PRIVATE_IP:-0.0.0.0}}
case "$host" in 0.0.0.0) host=127.0.0.1 ;; ::) host=::1 ;; esac

# Succeeds once GET /health (any status: a failing health check is the smoke test's business)
# answers with this release's version. curl when the instance has it (a few ms a probe), else
# the runtime itself (node takes tens of ms to start: probing with it slows every restart).
probe() {
  if command -v curl >/dev/null 2>&1; then
    case "$host" in *:*) url_host="[$host]" ;; *) url_host=$host ;; esac
    curl -sS --max-time 1 "http://$url_host:$port/health" 2>/dev/null | grep -qF "\"version\":\"$version\""
    return
  fi
  if [ "$RUNTIME" = perl ]; then
    perl -MIO::Socket::INET -e '
      my ($host, $port, $version) = @ARGV;
      my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 1) or exit 1;
      print $s "GET /health HTTP/1.0\r\nHost: $host\r\n\r\n";
      local $/; my $reply = <$s> // "";
      exit($reply =~ /"version":"\Q$version\E"/ ? 0 : 1);
    ' "$host" "$port" "$version"
    return
  fi
  node -e '
    const [host, port, version] = process.argv.slice(1);
    const req = require("http").get({ host, port: Number(port), path: "/health", timeout: 1000 }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => {
        try { process.exit(JSON.parse(body).version === version ? 0 : 1); } catch { process.exit(1); }
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => process.exit(1));
  ' "$host" "$port" "$version"
}

deadline=$(($(date +%s) + 10))
while :; do
  if ! alive "$pid"; then
    forget_pid "$pid"
    echo "example-app $version exited during startup" >&2
    log_tail
    exit 1
  fi
  if probe; then
    echo "example-app $version started (pid $pid, $host:$port)"
    exit 0
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    kill "$pid" 2>/dev/null || true
    forget_pid "$pid"
    echo "example-app $version did not answer on $host:$port within 10 s" >&2
    log_tail
    exit 1
  fi
  nap
done
