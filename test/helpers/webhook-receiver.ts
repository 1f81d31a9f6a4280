import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST a webhook receiver got. */
export interface ReceivedWebhook {
  /** The path it was sent to (the part of the URL after the port). */
  path: string;
  contentType: string;
  /** The body, parsed as JSON. */
  body: any;
}

/** A local HTTP server standing in for Slack's incoming webhooks and a JSON endpoint. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT` */
  readonly base: string;
  /** Every POST so far, in arrival order. */
  readonly received: ReceivedWebhook[];
  /** The POSTs to one path. */
  to(path: string): ReceivedWebhook[];
  close(): Promise<void>;
}

/**
 * Starts a receiver on 127.0.0.1 (a free port). Every POST is recorded; a path under `/down/`
 * answers 500 (a webhook that is down), any other 204.
 */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = { unparsable: Buffer.concat(chunks).toString('utf8') };
      }
      if (req.method === 'POST') received.push({ path, contentType: req.headers['content-type'] ?? '', body });
      res.writeHead(path.startsWith('/down/') ? 500 : 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    to: (path) => received.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
