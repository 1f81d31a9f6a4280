import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NativeConnection, Worker } from '@temporalio/worker';

/** How long a readiness probe waits for Temporal's health service before it says not ready. */
const CONNECTION_CHECK_TIMEOUT_MS = 2_000;

/** What the probes look at. */
export interface HealthTarget {
  /** The worker, once created (not ready before). */
  worker(): Worker | undefined;
  connection(): NativeConnection | undefined;
}

/** A listening health endpoint. */
export interface HealthServer {
  /** `host:port` it listens on. */
  address: string;
  close(): Promise<void>;
}

/**
 * The worker's probes, on their own small HTTP server (the Prometheus endpoint is served by the
 * SDK's core and takes no other routes):
 * - `GET /livez`: 200 whenever the process's event loop answers (a blocked loop answers nothing,
 *   and the probe times out: that is the signal);
 * - `GET /readyz`: 200 when the worker is polling its task queue (`RUNNING`) and Temporal's
 *   frontend answers its health check over the worker's connection; 503 with the reason otherwise
 *   (starting, draining on SIGTERM, or cut off from Temporal).
 */
export async function startHealthServer(bindAddress: string, target: HealthTarget): Promise<HealthServer> {
  const { host, port } = parseBindAddress(bindAddress);
  const server: Server = createServer((req, res) => {
    const reply = (status: number, body: Record<string, unknown>) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, { error: 'GET only' });
    if (path === '/livez') return reply(200, { status: 'alive' });
    if (path === '/readyz') {
      readiness(target).then(
        (why) => reply(why ? 503 : 200, why ? { status: 'not ready', reason: why } : { status: 'ready', state: target.worker()?.getState() }),
        (error: unknown) => reply(503, { status: 'not ready', reason: String(error) }),
      );
      return;
    }
    reply(404, { error: 'not found: /livez or /readyz' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const bound = server.address() as AddressInfo;
  return {
    address: `${bound.address}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Why the worker is not ready, or undefined when it is. */
async function readiness(target: HealthTarget): Promise<string | undefined> {
  const worker = target.worker();
  const connection = target.connection();
  if (!worker || !connection) return 'starting';
  const state = worker.getState();
  if (state !== 'RUNNING') return `worker is ${state}`;
  try {
    await connection.withDeadline(Date.now() + CONNECTION_CHECK_TIMEOUT_MS, () => connection.healthService.check({}));
  } catch (error) {
    return `Temporal does not answer: ${(error as Error).message}`;
  }
  return undefined;
}

/** `host:port` (IPv6 in brackets); port 0 picks a free one. */
export function parseBindAddress(address: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(address.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) throw new Error(`"${address}" is not host:port (e.g. 127.0.0.1:9464 or 0.0.0.0:8080)`);
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}
