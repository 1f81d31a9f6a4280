/** The thin HTTP(S) shell around a sandbox handler: listen on 127.0.0.1, close with every connection. */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SandboxHandler } from './sandbox';

/** A listening server. */
export interface ListeningServer {
  port: number;
  close(): Promise<void>;
}

/** Listens on `127.0.0.1:port` (0 = a free port); over TLS when given a key and certificate. */
export async function listen(handler: SandboxHandler, port = 0, tls?: { key: string; cert: string }): Promise<ListeningServer> {
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  // The SDK keeps connections alive; a short idle timeout lets close() finish promptly.
  server.keepAliveTimeout = 2_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
