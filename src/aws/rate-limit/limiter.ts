/**
 * The worker's limiter: the bucket table (with overrides) and one {@link TokenBucket} per
 * (region, service, bucket), made on first use.
 */
import { DEFAULT_UTILIZATION, type BucketSpec, type RateLimitedService, type RateLimitTable } from './buckets';
import { classifyCommand, type BucketChoice } from './classify';
import { parseRateLimitOverrides, resolveRateLimits, type RateLimitOverrides } from './overrides';
import { TokenBucket, type BucketStats } from './token-bucket';

/** One bucket's identity, size and counters, as {@link RateLimiter.metrics} lists them. */
export interface BucketMetrics extends BucketStats, BucketSpec {
  region: string;
  service: RateLimitedService;
  bucket: string;
  /** Callers waiting right now. */
  queued: number;
}

/** One wait for a token, as {@link RateLimiter.onWait} observers see it (for metrics). */
export interface TokenWait {
  region: string;
  service: RateLimitedService;
  bucket: string;
  operation: string;
  waitedMs: number;
}

/**
 * The worker's limiter: a token bucket per (region, service, bucket), made on first use and
 * shared by every client that was given this limiter, so all activities of a worker draw from
 * the same account-and-region budget as AWS counts it. Regions never share a bucket.
 */
export class RateLimiter {
  /** The table in force (defaults with overrides applied). */
  readonly table: RateLimitTable;
  /** The share of each bucket in use (see {@link DEFAULT_UTILIZATION}). */
  readonly utilization: number;
  /** This worker's part of the fleet's budget (1 alone; 1/3 as one of three workers): see fleet-share.ts. */
  private fleetShare = 1;
  private readonly buckets = new Map<string, { region: string; choice: BucketChoice; spec: BucketSpec; bucket: TokenBucket }>();
  private readonly waitObservers: ((wait: TokenWait) => void)[] = [];

  /** `now`: a monotonic clock in ms, for tests. */
  constructor(overrides: RateLimitOverrides = {}, private readonly now?: () => number) {
    const checked = parseRateLimitOverrides(overrides);
    this.table = resolveRateLimits(checked);
    this.utilization = checked.utilization ?? DEFAULT_UTILIZATION;
  }

  /** The bucket a command would use, or undefined when its bucket is not limited. */
  bucketFor(region: string, service: RateLimitedService, commandName: string, input?: Record<string, unknown>): TokenBucket | undefined {
    const choice = classifyCommand(service, commandName, input, this.table);
    const spec = this.table[service]?.[choice.bucket];
    if (!spec) return undefined;
    const key = `${region}\0${service}\0${choice.bucket}`;
    let entry = this.buckets.get(key);
    if (!entry) {
      entry = { region, choice, spec, bucket: new TokenBucket(this.scaled(spec), this.now) };
      this.buckets.set(key, entry);
    }
    return entry.bucket;
  }

  /** This worker's part of the budget (0 < share <= 1). */
  get share(): number {
    return this.fleetShare;
  }

  /**
   * Sets this worker's part of the account's budget: with `n` workers calling AWS from one
   * account and region, each takes 1/n of every bucket (capacity and refill), so the fleet as a
   * whole stays within what AWS allows. Buckets already made are resized in place.
   */
  setShare(share: number): void {
    if (!(share > 0 && share <= 1)) throw new RangeError(`a budget share is in (0, 1], got ${share}`);
    if (share === this.fleetShare) return;
    this.fleetShare = share;
    for (const entry of this.buckets.values()) entry.bucket.resize(this.scaled(entry.spec));
  }

  /** A table bucket at this worker's utilization and share. */
  private scaled(spec: BucketSpec): BucketSpec {
    const part = this.utilization * this.fleetShare;
    return { capacity: Math.max(1, Math.floor(spec.capacity * part)), refillPerSecond: spec.refillPerSecond * part };
  }

  /** Waits for the command's token (see {@link TokenBucket.take}); resolves with the ms waited. */
  take(
    region: string,
    service: RateLimitedService,
    commandName: string,
    input?: Record<string, unknown>,
    signal?: AbortSignal,
    whileQueued?: () => () => void,
  ): Promise<number> {
    const bucket = this.bucketFor(region, service, commandName, input);
    if (!bucket) return Promise.resolve(0);
    const taken = bucket.take(signal, whileQueued);
    if (this.waitObservers.length === 0) return taken;
    return taken.then((waitedMs) => {
      const wait = { region, service, bucket: classifyCommand(service, commandName, input, this.table).bucket, operation: commandName, waitedMs };
      for (const observe of this.waitObservers) observe(wait);
      return waitedMs;
    });
  }

  /** Calls `observer` after every token taken, with how long it waited (0 when one was there). */
  onWait(observer: (wait: TokenWait) => void): void {
    this.waitObservers.push(observer);
  }

  /** Every bucket used so far, with its counters. */
  metrics(): BucketMetrics[] {
    return [...this.buckets.values()].map(({ region, choice, bucket }) => ({
      region,
      service: choice.service,
      bucket: choice.bucket,
      capacity: bucket.capacity,
      refillPerSecond: bucket.refillPerSecond,
      queued: bucket.waiting,
      ...bucket.metrics,
    }));
  }

  /** Counters summed over every bucket. */
  totals(): BucketStats {
    const sum: BucketStats = { taken: 0, waited: 0, waitMs: 0, maxWaitMs: 0, aborted: 0 };
    for (const m of this.metrics()) {
      sum.taken += m.taken;
      sum.waited += m.waited;
      sum.waitMs += m.waitMs;
      sum.maxWaitMs = Math.max(sum.maxWaitMs, m.maxWaitMs);
      sum.aborted += m.aborted;
    }
    return sum;
  }
}
