/**
 * Injected faults and call counting, set through the control endpoint.
 *
 * Every API call is counted under `<service>:<Action>` (e.g. `ec2:RunInstances`) before faults
 * apply, so a test sees the SDK's retries in the count. Then, in order: a queued failure
 * ("fail the next N calls with code X"), a throttle rule (rate or next N), and, when enabled,
 * EC2's token buckets from `reference/facts.md`.
 */
import type { CapacityShortage, Realism } from '../config/realism';
import { AwsApiError } from '../protocol/errors';

/** The service part of an action key. */
export type ServiceId = 'ec2' | 'ssm' | 'elasticloadbalancing' | 'iam';
/** Every service whose calls are counted and can be faulted (S3 speaks REST, routed apart: see s3/). */
export type CountedService = ServiceId | 's3';

/** Throttle an action: every call with probability `rate`, or the next `next` calls; for `forMs` (a storm), or until removed. */
export interface ThrottleRule {
  action: string;
  rate?: number;
  next?: number;
  forMs?: number;
}

/** Fail the next `next` calls of an action with an AWS error. */
export interface FailureRule {
  action: string;
  code: string;
  status?: number;
  message?: string;
  next?: number;
}

/** The next CreateImage/CopyImage ends `failed` with this StateReason. */
export interface ImageFailure {
  code?: string;
  message?: string;
}

/** A capacity shortage in force: until `until` (epoch ms), or until cleared. */
interface ActiveShortage extends CapacityShortage {
  until?: number;
  /** Set by the config's realism: survives `clear()` (it is the world, not a fault). */
  fromConfig: boolean;
}

/** The SSM agents of the next `next` launched instances never come online. */
export interface AgentFault {
  next: number;
}

/**
 * The next `next` calls of an action take effect, but their answers are held back until the
 * faults are cleared: a call whose caller never learns it succeeded (the connection dropped, the
 * caller died while waiting). AWS's own advice for such a call: it "may have succeeded"
 * (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html).
 */
export interface HoldRule {
  action: string;
  next?: number;
}

interface Bucket {
  capacity: number;
  refillPerSecond: number;
  tokens: number;
  updatedAt: number;
}

/**
 * EC2 request token buckets (capacity / refill per second), from facts.md (AWS's EC2 API
 * reference, "Request throttling for the Amazon EC2 API"): an action listed here has a bucket of
 * its own; other `Describe*` calls share `describe`, or `describeUnfiltered` when unfiltered and
 * unpaginated; everything else shares `mutating`. The names are the worker's limiter's, so the
 * two tables can be compared key by key.
 */
export const EC2_BUCKETS: Readonly<Record<string, { capacity: number; refillPerSecond: number }>> = {
  describe: { capacity: 100, refillPerSecond: 20 },
  describeUnfiltered: { capacity: 50, refillPerSecond: 10 },
  mutating: { capacity: 50, refillPerSecond: 5 },
  RunInstances: { capacity: 5, refillPerSecond: 2 },
  TerminateInstances: { capacity: 100, refillPerSecond: 5 },
  CopyImage: { capacity: 100, refillPerSecond: 1 },
  CreateTags: { capacity: 100, refillPerSecond: 10 },
  DeleteTags: { capacity: 100, refillPerSecond: 10 },
  DeregisterImage: { capacity: 100, refillPerSecond: 5 },
};

/**
 * The {@link EC2_BUCKETS} entry an EC2 call draws a token from. `input` is the decoded request;
 * a call to an operation the sandbox does not implement has none and counts as filtered.
 */
export function ec2BucketOf(action: string, input?: Record<string, unknown>): string {
  if (Object.hasOwn(EC2_BUCKETS, action)) return action;
  if (!action.startsWith('Describe')) return 'mutating';
  // Without ids, filters or pages a Describe* uses EC2's smaller "unfiltered" bucket.
  const unfiltered = input !== undefined && !input.InstanceIds && !input.Filters && input.MaxResults === undefined;
  return unfiltered ? 'describeUnfiltered' : 'describe';
}

/** The throttling error each service really sends. */
export function throttlingError(service: CountedService, action: string): AwsApiError {
  // S3: 503 SlowDown (S3 API reference, "Error responses").
  if (service === 's3') return new AwsApiError('SlowDown', 'Please reduce your request rate.', 503);
  if (service === 'ssm') return new AwsApiError('ThrottlingException', `Rate exceeded for ${action}`, 400);
  if (service === 'elasticloadbalancing' || service === 'iam') return new AwsApiError('Throttling', 'Rate exceeded', 400);
  return new AwsApiError('RequestLimitExceeded', 'Request limit exceeded.', 503);
}

/** What is armed, and how many answers are held back right now. */
export interface FaultListing {
  throttles: ThrottleRule[];
  failures: FailureRule[];
  imageFailures: ImageFailure[];
  offlineAgents: number;
  ec2Buckets: boolean;
  insufficientCapacity: CapacityShortage[];
  holds: HoldRule[];
  held: number;
}

/** Faults and counters (one per sandbox). */
export class Faults {
  private readonly calls = new Map<string, number>();
  private readonly throttles = new Map<string, ThrottleRule & { until?: number }>();
  private readonly failures = new Map<string, FailureRule[]>();
  private readonly imageFailures: ImageFailure[] = [];
  private offlineAgents = 0;
  private buckets?: Map<string, Bucket>;
  private readonly holds = new Map<string, HoldRule>();
  /** Answers being held back, each released by {@link clear}. */
  private readonly held = new Set<() => void>();
  private shortages: ActiveShortage[] = [];
  /** Per EC2 bucket (`RunInstances`, `describe`…), while the buckets are on: tokens taken, calls throttled. */
  private readonly bucketCounts = { taken: new Map<string, number>(), throttled: new Map<string, number>() };

  /** `realism` sets what `clear()` comes back to: EC2's buckets on or off, the configured capacity shortages. */
  constructor(private readonly realism?: Pick<Realism, 'ec2Buckets' | 'insufficientCapacity'>) {
    this.restoreConfigured();
  }

  /** Counts the call, then throws the fault that applies to it, if any. `input`: the decoded request. */
  onCall(service: CountedService, action: string, region: string, input?: Record<string, unknown>): void {
    const key = `${service}:${action}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    const failure = this.failures.get(key)?.[0];
    if (failure) {
      failure.next = (failure.next ?? 1) - 1;
      if (failure.next <= 0) this.failures.get(key)?.shift();
      throw new AwsApiError(failure.code, failure.message ?? `Injected failure of ${key}`, failure.status ?? 400);
    }
    const throttle = this.throttles.get(key);
    if (throttle?.until !== undefined && throttle.until <= Date.now()) this.throttles.delete(key);
    else if (throttle) {
      if (throttle.next !== undefined) {
        throttle.next -= 1;
        if (throttle.next <= 0) this.throttles.delete(key);
        throw throttlingError(service, action);
      }
      if (Math.random() < (throttle.rate ?? 1)) throw throttlingError(service, action);
    }
    if (service === 'ec2' && this.buckets && !this.takeToken(region, ec2BucketOf(action, input))) {
      throw throttlingError(service, action);
    }
  }

  /** Adds or replaces the throttle of an action (`rate: 0` removes it). */
  throttle(rule: ThrottleRule): void {
    if (rule.rate === 0 || rule.next === 0) this.throttles.delete(rule.action);
    else this.throttles.set(rule.action, { ...rule, ...(rule.forMs === undefined ? {} : { until: Date.now() + rule.forMs }) });
  }

  /** Queues failures for an action. */
  fail(rule: FailureRule): void {
    const list = this.failures.get(rule.action) ?? [];
    list.push({ ...rule, next: rule.next ?? 1 });
    this.failures.set(rule.action, list);
  }

  /**
   * No capacity for `instanceType` (`*`: any) in a zone, for `forMs` (absent: until cleared):
   * RunInstances there answers InsufficientInstanceCapacity, as AWS does when a zone runs out.
   */
  noCapacity(shortage: CapacityShortage, fromConfig = false): void {
    this.shortages.push({ ...shortage, until: shortage.forMs === undefined ? undefined : Date.now() + shortage.forMs, fromConfig });
  }

  /** The shortage that applies to a launch of `instanceType` in `availabilityZone` now, if any. */
  capacityShortage(availabilityZone: string, instanceType: string, now = Date.now()): CapacityShortage | undefined {
    this.shortages = this.shortages.filter((s) => s.until === undefined || s.until > now);
    return this.shortages.find((s) => s.availabilityZone === availabilityZone && (s.instanceType === '*' || s.instanceType === instanceType));
  }

  /** Holds back the answers of the next calls of an action (see {@link HoldRule}). */
  hold(rule: HoldRule): void {
    this.holds.set(rule.action, { ...rule, next: rule.next ?? 1 });
  }

  /**
   * Called once a call has taken effect: resolves at once, or, when a hold is armed for the
   * action, only once the faults are cleared (the answer then goes to whoever still listens).
   */
  async answerAfterHold(service: ServiceId, action: string): Promise<void> {
    const key = `${service}:${action}`;
    const rule = this.holds.get(key);
    if (!rule) return;
    rule.next = (rule.next ?? 1) - 1;
    if (rule.next <= 0) this.holds.delete(key);
    await new Promise<void>((resolve) => {
      const release = () => {
        this.held.delete(release);
        resolve();
      };
      this.held.add(release);
    });
  }

  /** Turns EC2's token buckets on (full) or off. */
  useEc2Buckets(enabled: boolean): void {
    this.buckets = enabled ? new Map() : undefined;
  }

  /** Makes the next CreateImage or CopyImage fail. */
  failNextImage(failure: ImageFailure): void {
    this.imageFailures.push(failure);
  }

  /** Consumed by CreateImage/CopyImage. */
  takeImageFailure(): { code: string; message: string } | undefined {
    const f = this.imageFailures.shift();
    return f && { code: f.code ?? 'Client.InternalError', message: f.message ?? 'Client.InternalError: Injected image failure' };
  }

  /** The SSM agents of the next `next` instances RunInstances launches never come online. */
  failNextAgents(fault: AgentFault): void {
    this.offlineAgents += fault.next;
  }

  /** Consumed by RunInstances, once per instance: true when this instance's agent must stay offline. */
  takeAgentFailure(): boolean {
    if (this.offlineAgents <= 0) return false;
    this.offlineAgents -= 1;
    return true;
  }

  callCounts(): Record<string, number> {
    return Object.fromEntries([...this.calls].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** What is armed, for the control listing. */
  describe(): FaultListing {
    const now = Date.now();
    return {
      throttles: [...this.throttles.values()],
      failures: [...this.failures.values()].flat(),
      imageFailures: [...this.imageFailures],
      offlineAgents: this.offlineAgents,
      ec2Buckets: !!this.buckets,
      insufficientCapacity: this.shortages
        .filter((s) => s.until === undefined || s.until > now)
        .map(({ availabilityZone, instanceType, until }) => ({ availabilityZone, instanceType, ...(until === undefined ? {} : { forMs: until - now }) })),
      holds: [...this.holds.values()],
      held: this.held.size,
    };
  }

  /**
   * Clears faults (and, unless `keepCounts`, the counters); every held answer is sent. What the
   * config's realism sets is the world, not a fault: EC2's buckets stay as configured and
   * configured shortages stay (a reset, `restart`, starts their clocks again).
   */
  clear(keepCounts = false, restart = false): void {
    for (const release of [...this.held]) release();
    this.holds.clear();
    this.throttles.clear();
    this.failures.clear();
    this.imageFailures.length = 0;
    this.offlineAgents = 0;
    this.shortages = restart ? [] : this.shortages.filter((s) => s.fromConfig);
    if (restart) this.restoreConfigured();
    else this.useEc2Buckets(!!this.realism?.ec2Buckets);
    if (!keepCounts) this.resetCounts();
  }

  private restoreConfigured(): void {
    this.useEc2Buckets(!!this.realism?.ec2Buckets);
    for (const shortage of this.realism?.insufficientCapacity ?? []) this.noCapacity(shortage, true);
  }

  resetCounts(): void {
    this.calls.clear();
    this.bucketCounts.taken.clear();
    this.bucketCounts.throttled.clear();
  }

  /** Per EC2 bucket, since the last reset: tokens taken and calls throttled (benchmarks compute budgets from them). */
  bucketCallCounts(): { taken: Record<string, number>; throttled: Record<string, number> } {
    return { taken: Object.fromEntries(this.bucketCounts.taken), throttled: Object.fromEntries(this.bucketCounts.throttled) };
  }

  private takeToken(region: string, name: string): boolean {
    if (!this.buckets) return true;
    const spec = EC2_BUCKETS[name];
    const key = `${region}\0${name}`;
    const now = Date.now();
    const bucket = this.buckets.get(key) ?? { ...spec, tokens: spec.capacity, updatedAt: now };
    bucket.tokens = Math.min(bucket.capacity, bucket.tokens + ((now - bucket.updatedAt) / 1000) * bucket.refillPerSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    const counts = bucket.tokens < 1 ? this.bucketCounts.throttled : this.bucketCounts.taken;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
