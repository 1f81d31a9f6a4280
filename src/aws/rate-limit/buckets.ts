/**
 * The bucket table: which token buckets AWS throttles each service with, and how large they are.
 * Data only: `overrides.ts` changes it, `classify.ts` picks a bucket from it.
 */

/** The services the worker calls; the same names as `AwsService` in clients.ts. */
export type RateLimitedService = 'ec2' | 'ssm' | 'elbv2';

/** Every {@link RateLimitedService}, in table order. */
export const RATE_LIMITED_SERVICES: readonly RateLimitedService[] = ['ec2', 'ssm', 'elbv2'];

/** A token bucket's size: a burst of `capacity` calls, then `refillPerSecond` calls per second. */
export interface BucketSpec {
  capacity: number;
  refillPerSecond: number;
}

/**
 * Bucket sizes per service. A key is either a category (`describe`, `describeUnfiltered` for
 * EC2, `mutating`) or an action name without `Command` (`RunInstances`), which then gets a
 * bucket of its own instead of its category's.
 */
export type RateLimitTable = Record<RateLimitedService, Record<string, BucketSpec>>;

/**
 * The share of AWS's rate the limiter uses by default: 90% of each refill rate and capacity
 * (rounded down, at least 1). Running at exactly AWS's rate still gets throttled now and then:
 * AWS's bucket also serves every other caller of the account in the region (console, CI, other
 * workers), and a request reaches AWS a few ms after the limiter let it go, by a delay that
 * varies (a first request opens its connection, later ones reuse it), so at 2 tokens/s a call
 * released the instant its token is due can arrive before AWS's token is.
 */
export const DEFAULT_UTILIZATION = 0.9;

/**
 * The defaults. EC2 is reference/facts.md (AWS's published request-rate buckets, per account and
 * region). SSM and ELBv2 publish no bucket sizes, only "a few to tens of TPS" per API; these are
 * conservative guesses below the documented quotas (e.g. SendCommand, PutParameter's default 3
 * TPS), to be raised by override where an account has more.
 */
export const DEFAULT_RATE_LIMITS: Readonly<RateLimitTable> = Object.freeze({
  ec2: {
    describe: { capacity: 100, refillPerSecond: 20 },
    describeUnfiltered: { capacity: 50, refillPerSecond: 10 },
    mutating: { capacity: 50, refillPerSecond: 5 },
    RunInstances: { capacity: 5, refillPerSecond: 2 },
    TerminateInstances: { capacity: 100, refillPerSecond: 5 },
    CopyImage: { capacity: 100, refillPerSecond: 1 },
    CreateTags: { capacity: 100, refillPerSecond: 10 },
    DeleteTags: { capacity: 100, refillPerSecond: 10 },
    DeregisterImage: { capacity: 100, refillPerSecond: 5 },
  },
  ssm: {
    describe: { capacity: 40, refillPerSecond: 20 },
    mutating: { capacity: 10, refillPerSecond: 3 },
    SendCommand: { capacity: 20, refillPerSecond: 5 },
  },
  elbv2: {
    describe: { capacity: 20, refillPerSecond: 10 },
    mutating: { capacity: 10, refillPerSecond: 5 },
  },
});
