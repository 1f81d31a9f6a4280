'use strict';
/*
 * example-app: the tiny HTTP service hybrid-deploy places on instances in the demo and the
 * end-to-end tests. Dependency-free CommonJS, so plain `node server.js` runs it on any instance.
 *
 *   GET /health  200 {"status":"ok","version":"<v>","instanceId":"<id>"}
 *   GET /        200 hello from example-app <v>
 *   anything else 404
 *
 * Environment:
 *   PORT         listen port (default 8080)
 *   HOST         bind address; else PRIVATE_IP (the sandbox gives each instance its own loopback
 *                IP); else 0.0.0.0 (real EC2)
 *   INSTANCE_ID  reported by /health (default: the hostname)
 *   EXAMPLE_APP_FAIL_HEALTH=1, or a file FAIL_HEALTH next to this file: /health answers 500, so a
 *                release fails its smoke test (tests use this to exercise rollback)
 *
 * The version is the content of the file VERSION next to this file (the release dir).
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish, exit 0.
 */
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const releaseDir = __dirname;
const version = readVersion();
const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || process.env.PRIVATE_IP || '0.0.0.0';
const instanceId = process.env.INSTANCE_ID || os.hostname();
const SHUTDOWN_GRACE_MS = 8000;

function readVersion() {
  try {
    return fs.readFileSync(path.join(releaseDir, 'VERSION'), 'utf8').trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

function healthFailing() {
  return process.env.EXAMPLE_APP_FAIL_HEALTH === '1' || fs.existsSync(path.join(releaseDir, 'FAIL_HEALTH'));
}

function send(res, status, contentType, body) {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function handle(req, res) {
  const url = new URL(req.url || '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/health') {
    const failing = healthFailing();
    const body = { status: failing ? 'failing' : 'ok', version, instanceId };
    send(res, failing ? 500 : 200, 'application/json', JSON.stringify(body));
  } else if (req.method === 'GET' && url.pathname === '/') {
    send(res, 200, 'text/plain; charset=utf-8', `hello from example-app ${version}\n`);
  } else {
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  }
}

const server = http.createServer(handle);
// Close idle keep-alive connections promptly so a shutdown does not wait on them.
server.keepAliveTimeout = 2000;

server.on('error', (err) => {
  console.error(`example-app ${version}: ${err.message}`);
  process.exit(1);
});

server.listen(port, host, () => {
  const address = server.address();
  console.log(`example-app ${version} listening on ${address.address}:${address.port} (instance ${instanceId})`);
});

let stopping = false;
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`example-app ${version}: ${signal}, finishing in-flight requests`);
  // Stops accepting; the callback runs once every in-flight request has been answered.
  server.close(() => {
    console.log(`example-app ${version}: stopped`);
    process.exit(0);
  });
  server.closeIdleConnections();
  setTimeout(() => {
    console.error(`example-app ${version}: requests still open after ${SHUTDOWN_GRACE_MS} ms, exiting`);
    process.exit(1);
  }, SHUTDOWN_GRACE_MS).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
