import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';

/** A Web UI history page holds many payloads of up to 2 MB each; far above that is not a UI. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Options of {@link startCodecServer}. */
export interface CodecServerOptions {
  /** Default 127.0.0.1: only people on this machine can ask it to decrypt. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Browser origins allowed to call it (CORS), e.g. the Web UI's `http://localhost:8233`. */
  allowedOrigins: string[];
}

/** A running codec endpoint. */
export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

const fromJson = ({ metadata, data }: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64')])),
  data: Buffer.from(String(data ?? ''), 'base64'),
});
const toJson = ({ metadata, data }: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
});

class BadRequest extends Error {}

async function readJson(req: IncomingMessage): Promise<{ payloads: JsonPayload[] }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequest('body too large');
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest('body is not JSON');
  }
  const payloads = (body as { payloads?: unknown })?.payloads;
  if (!Array.isArray(payloads) || !payloads.every((p) => p && typeof p === 'object')) throw new BadRequest('body must be {"payloads": [...]}');
  return { payloads: payloads as JsonPayload[] };
}

/**
 * The codec endpoint of Temporal's codec server protocol: `POST …/encode` and `POST …/decode`
 * with `{"payloads": [...]}` (protobuf JSON: base64 metadata values and data), answered in kind.
 * The Web UI calls it from the browser, so it answers CORS preflights for the allowed origins.
 */
export function codecHandler(codec: PayloadCodec, allowedOrigins: string[]): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const origin = req.headers.origin;
    if (origin && allowedOrigins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
      res.setHeader('vary', 'origin');
    }
    const reply = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const action = /\/(encode|decode)\/?$/.exec((req.url ?? '').split('?')[0])?.[1];
    if (req.method !== 'POST' || !action) return reply(404, { error: 'POST …/encode or …/decode' });
    (async () => {
      const { payloads } = await readJson(req);
      const out = action === 'encode' ? await codec.encode(payloads.map(fromJson)) : await codec.decode(payloads.map(fromJson));
      reply(200, { payloads: out.map(toJson) });
    })().catch((error: unknown) => reply(error instanceof BadRequest ? 400 : 422, { error: (error as Error).message }));
  };
}

/** Listens on `host:port` (default 127.0.0.1 and a free port). */
export async function startCodecServer(codec: PayloadCodec, options: CodecServerOptions): Promise<CodecServer> {
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer(codecHandler(codec, options.allowedOrigins));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
