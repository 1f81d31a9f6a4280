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
