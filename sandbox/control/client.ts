/**
 * A typed client of the control endpoint. `startSandbox` returns one; a test that talks to a
 * sandbox started elsewhere (e.g. by the CLI) builds one from the printed `controlUrl`.
 */
import type { CapacityShortage } from '../config/realism';
import type { AgentFault, FailureRule, Faults, HoldRule, ImageFailure, ThrottleRule } from '../state/faults';
import type { ResourceListing } from './resources';

/** Calls the `/_sandbox/` routes. */
export class SandboxControl {
  /** @param controlUrl e.g. `http://127.0.0.1:4566/_sandbox` */
  constructor(readonly controlUrl: string) {}

  /** Kills every instance process and restores the configured world (faults and counts cleared). */
  async reset(): Promise<void> {
    await this.call('POST', '/reset');
  }

  /** Every resource, including terminated instances and deregistered or failed images. */
  resources(): Promise<ResourceListing> {
    return this.call('GET', '/resources');
  }

  /** Calls per action since start or the last reset, e.g. `{ "ec2:RunInstances": 3 }`. */
  calls(): Promise<Record<string, number>> {
    return this.call('GET', '/calls');
  }

  /** While EC2's buckets are on: per bucket (`RunInstances`, `describe`…), tokens taken and calls throttled since the last reset. */
  bucketCalls(): Promise<{ taken: Record<string, number>; throttled: Record<string, number> }> {
    return this.call('GET', '/calls/buckets');
  }

  async resetCalls(): Promise<void> {
    await this.call('DELETE', '/calls');
  }

  /** Throttles an action (`ec2:RunInstances`): every call with probability `rate`, or the next `next` calls. */
  async throttle(rule: ThrottleRule): Promise<void> {
    await this.call('POST', '/faults/throttle', rule);
  }

  /** Turns EC2's request token buckets (reference/facts.md) on or off. */
  async useEc2Buckets(enabled: boolean): Promise<void> {
    await this.call('POST', '/faults/throttle', { ec2Buckets: enabled });
  }

  /** Fails the next `next` (default 1) calls of an action with `code` (HTTP `status`, default 400). */
  async fail(rule: FailureRule): Promise<void> {
    await this.call('POST', '/faults/fail', rule);
  }

  /**
   * The next `next` (default 1) calls of an action take effect but get no answer until
   * {@link clearFaults}: a caller that dies meanwhile never learns they succeeded.
   */
  async hold(rule: HoldRule): Promise<void> {
    await this.call('POST', '/faults/hold', rule);
  }

  /** The next CreateImage or CopyImage ends `failed` with this StateReason. */
  async failNextImage(failure: ImageFailure = {}): Promise<void> {
    await this.call('POST', '/faults/image', failure);
  }

  /** The SSM agents of the next `next` (default 1) instances launched never come online (until {@link setAgentOnline}). */
  async failNextAgents(fault: Partial<AgentFault> = {}): Promise<void> {
    await this.call('POST', '/faults/agent', fault);
  }

  /**
   * No capacity for `instanceType` (default every type) in a zone, for `forMs` (default until
   * cleared): RunInstances there answers InsufficientInstanceCapacity.
   */
  async noCapacity(shortage: Pick<CapacityShortage, 'availabilityZone'> & Partial<CapacityShortage>): Promise<void> {
    await this.call('POST', '/faults/capacity', shortage);
  }

  /** What is armed: throttles, failures, EC2's buckets, capacity shortages, holds (and how many answers are held now)… */
  faults(): Promise<ReturnType<Faults['describe']>> {
    return this.call('GET', '/faults');
  }

  /** Clears every armed fault (counts stay; what the config's realism sets stays) and sends every held answer. */
  async clearFaults(): Promise<void> {
    await this.call('DELETE', '/faults');
  }

  /** Takes an instance's SSM agent offline (`ConnectionLost`, commands undeliverable) or back online. */
  async setAgentOnline(instanceId: string, online: boolean): Promise<void> {
    await this.call('POST', `/instances/${instanceId}/agent`, { online });
  }

  /** Makes every ELB health check of the instance fail (or stops doing so). */
  async setHealthCheckFailing(instanceId: string, failing: boolean): Promise<void> {
    await this.call('POST', `/instances/${instanceId}/health`, { failing });
  }

  /** Region → target group name → load balancer (proxy) URL. */
  loadBalancers(): Promise<Record<string, Record<string, string>>> {
    return this.call('GET', '/load-balancers');
  }

  /** Accounts, regions, default-config constants, timings. */
  config(): Promise<Record<string, unknown>> {
    return this.call('GET', '/config');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.controlUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox control ${method} ${path} failed (${res.status}): ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
