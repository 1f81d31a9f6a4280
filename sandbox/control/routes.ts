/**
 * The control endpoint, under `/_sandbox/` on the API port (outside the AWS APIs): reset, the
 * resource listing, faults, call counts, agent and health overrides, load balancer URLs.
 * Bodies and answers are JSON; see sandbox/README.md for each route with a curl example.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readBody } from '../protocol/aws-request';
import type { SandboxState } from '../state/sandbox-state';
import { listResources } from './resources';

/** What the routes act on. */
export interface ControlDeps {
  state: SandboxState;
  /** Kills every instance process and restores the configured world. */
  reset?: () => Promise<void>;
  /** Region → target group name → proxy URL. */
  loadBalancers?: () => Record<string, Record<string, string>>;
  /** Static facts printed by `GET /_sandbox/config`. */
  describe?: () => Record<string, unknown>;
}

const actionKey = z
  .string()
  .regex(/^(ec2|ssm|elasticloadbalancing|elbv2|iam):[A-Za-z0-9]+$/, 'an action key such as ec2:RunInstances')
  .transform((k) => k.replace(/^elbv2:/, 'elasticloadbalancing:'));

const throttleBody = z.union([
  z.object({ action: actionKey, rate: z.number().min(0).max(1).optional(), next: z.number().int().min(0).optional(), forMs: z.number().int().min(1).optional() }),
  z.object({ ec2Buckets: z.boolean() }),
]);
const failBody = z.object({
  action: actionKey,
  code: z.string().min(1),
  status: z.number().int().min(400).max(599).optional(),
  message: z.string().optional(),
  next: z.number().int().min(1).optional(),
});
const holdBody = z.object({ action: actionKey, next: z.number().int().min(1).optional() });
const imageFailureBody = z.object({ code: z.string().optional(), message: z.string().optional() });
const agentFaultBody = z.object({ next: z.number().int().min(1).default(1) });
const agentBody = z.object({ online: z.boolean() });
const capacityBody = z.object({
  availabilityZone: z.string().min(1),
  instanceType: z.string().min(1).default('*'),
  forMs: z.number().int().min(0).optional(),
});
const healthBody = z.object({ failing: z.boolean() });

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function jsonBody<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const text = await readBody(req);
  let raw: unknown;
  try {
    raw = text.trim() ? JSON.parse(text) : {};
  } catch {
    throw new ControlError(400, 'body is not JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ControlError(400, parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

function instanceOf(state: SandboxState, id: string) {
  const instance = state.instances.get(id);
  if (!instance) throw new ControlError(404, `no instance ${id}`);
  return instance;
}

/** Routes one control request. */
export async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, deps: ControlDeps): Promise<void> {
  const { state } = deps;
  const route = `${req.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '')}`;
  const instanceRoute = /^POST \/_sandbox\/instances\/([^/]+)\/(agent|health)$/.exec(route);
  try {
    if (instanceRoute) {
      const instance = instanceOf(state, instanceRoute[1]);
      if (instanceRoute[2] === 'agent') {
        const { online } = await jsonBody(req, agentBody);
        instance.agentForcedOffline = !online;
        // Bringing an agent back: it reports at once if the instance is running and its role allows SSM.
        const mayRegister = instance.ssmAllowed || !state.realism.ssmNeedsInstanceProfile;
        if (online && instance.state === 'running' && instance.statusOk && mayRegister) {
          instance.agent = 'online';
          instance.agentLastPing = new Date();
        }
        return reply(res, 200, { instanceId: instance.id, agentForcedOffline: instance.agentForcedOffline });
      }
      const { failing } = await jsonBody(req, healthBody);
      instance.failHealthChecks = failing;
      return reply(res, 200, { instanceId: instance.id, failHealthChecks: failing });
    }
    switch (route) {
      case 'GET /_sandbox/health':
        return reply(res, 200, { ok: true });
      case 'GET /_sandbox/config':
        return reply(res, 200, {
          ...(deps.describe?.() ?? {}),
          timings: state.timings,
          loadBalancers: deps.loadBalancers?.() ?? {},
        });
      case 'GET /_sandbox/resources':
        return reply(res, 200, await listResources(state));
      case 'GET /_sandbox/load-balancers':
        return reply(res, 200, deps.loadBalancers?.() ?? {});
      case 'POST /_sandbox/reset':
        if (!deps.reset) throw new ControlError(501, 'reset is not wired in this handler');
        await deps.reset();
        return reply(res, 200, { reset: true });
      case 'GET /_sandbox/calls':
        return reply(res, 200, state.faults.callCounts());
      case 'GET /_sandbox/calls/buckets':
        return reply(res, 200, state.faults.bucketCallCounts());
      case 'DELETE /_sandbox/calls':
        state.faults.resetCounts();
        return reply(res, 200, {});
      case 'GET /_sandbox/faults':
        return reply(res, 200, state.faults.describe());
      case 'DELETE /_sandbox/faults':
        state.faults.clear(true);
        return reply(res, 200, state.faults.describe());
      case 'POST /_sandbox/faults/throttle': {
        const body = await jsonBody(req, throttleBody);
        if ('ec2Buckets' in body) state.faults.useEc2Buckets(body.ec2Buckets);
        else state.faults.throttle(body);
        return reply(res, 200, state.faults.describe());
      }
      case 'POST /_sandbox/faults/fail':
        state.faults.fail(await jsonBody(req, failBody));
        return reply(res, 200, state.faults.describe());
      case 'POST /_sandbox/faults/hold':
        state.faults.hold(await jsonBody(req, holdBody));
        return reply(res, 200, state.faults.describe());
      case 'POST /_sandbox/faults/image':
        state.faults.failNextImage(await jsonBody(req, imageFailureBody));
        return reply(res, 200, state.faults.describe());
      case 'POST /_sandbox/faults/capacity':
        state.faults.noCapacity(await jsonBody(req, capacityBody));
        return reply(res, 200, state.faults.describe());
      case 'POST /_sandbox/faults/agent':
        state.faults.failNextAgents(await jsonBody(req, agentFaultBody));
        return reply(res, 200, state.faults.describe());
      default:
        throw new ControlError(404, `no control route ${route}`);
    }
  } catch (err) {
    if (err instanceof ControlError) return reply(res, err.status, { error: err.message });
    throw err;
  }
}
