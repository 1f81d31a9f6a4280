/**
 * The "load balancer": a real HTTP reverse proxy per target group on its own 127.0.0.1 port.
 * New requests go round robin to healthy targets only; a draining target gets none, but requests
 * already forwarded to it finish. With no healthy target it answers 503.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxState } from '../state/sandbox-state';
import type { Registration, TargetGroupRecord } from '../state/target-groups';

/** A listening proxy. */
export interface TargetGroupProxy {
  url: string;
  close(): Promise<void>;
}

function healthyTargets(state: SandboxState, group: TargetGroupRecord): { reg: Registration; ip: string }[] {
  return [...group.registrations.values()]
    .filter((reg) => reg.state === 'healthy')
    .map((reg) => ({ reg, ip: state.instances.get(reg.targetId)?.privateIp ?? '' }))
    .filter((t) => t.ip && state.instances.get(t.reg.targetId)?.state === 'running');
}

/** Starts the proxy for one target group on a free port. */
export async function startProxy(state: SandboxState, group: TargetGroupRecord): Promise<TargetGroupProxy> {
  let next = 0;
  const server = http.createServer((req, res) => {
    const targets = healthyTargets(state, group);
    if (!targets.length) {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>\n');
      return;
    }
    const { reg, ip } = targets[next++ % targets.length];
    const upstream = http.request(
      {
        host: ip,
        port: reg.port,
        method: req.method,
        path: req.url,
        agent: false,
        headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '', 'x-forwarded-proto': 'http', 'x-forwarded-port': String((server.address() as AddressInfo).port) },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1></body></html>\n');
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
