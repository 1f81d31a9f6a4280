import { createServer } from 'node:net';

/**
 * Asks the kernel for a free TCP port on 127.0.0.1. The port is released before it is returned,
 * so callers bind it promptly; tests never use fixed ports, so parallel runs do not collide.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** `preferred` when nothing listens there (a person's familiar default), else a free port. */
export function preferredOrFreePort(preferred: number, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolvePort(freePort(host)));
    server.listen(preferred, host, () => server.close(() => resolvePort(preferred)));
  });
}

/** Is `port` free on `host` right now? */
function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolveFree(false));
    server.listen(port, host, () => server.close(() => resolveFree(true)));
  });
}

/**
 * A free TCP port below `limit` (the kernel's own picks come from the ephemeral range, 32768 and
 * up). The Temporal server stores its membership ports as a smallint, so its ports must stay
 * below 32768. Tries random ports in [10000, limit) so parallel runs rarely pick the same one.
 */
export async function freePortBelow(limit = 32_768, host = '127.0.0.1', taken: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (limit - 10_000));
    if (!taken.has(port) && (await canListen(port, host))) return port;
  }
  throw new Error(`no free port found on ${host} in [10000, ${limit}) after 200 tries`);
}
