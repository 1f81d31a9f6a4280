/**
 * Client-side rate limits for AWS API calls, shared by every activity of a worker.
 *
 * Why: EC2 (and SSM, ELBv2) throttle per account and region with token buckets
 * (reference/facts.md, "EC2 API throttling"). A burst of concurrent deploys, each launching,
 * tagging and polling, empties the small buckets (RunInstances holds 5 tokens) and every call
 * beyond them fails with `RequestLimitExceeded`; the SDK's backoff then retries blindly, and its
 * retries spend tokens too. Waiting for a token *before* sending keeps the worker under the
 * limit in the first place, so calls queue for milliseconds instead of failing and backing off
 * for seconds.
 *
 * Shape: one {@link TokenBucket} per (region, service, bucket), created lazily by a
 * {@link RateLimiter}; an SDK v3 middleware ({@link addRateLimitMiddleware}) takes a token before
 * each request attempt. Which bucket a command uses comes from {@link classifyCommand}; the
 * sizes come from a data table ({@link DEFAULT_RATE_LIMITS}) that the worker's options and the
 * `HYBRID_DEPLOY_RATE_LIMITS` environment variable override.
 *
 * Why not a library: `limiter` (the maintained token-bucket package) starts its buckets empty
 * (EC2's start full), cannot abandon a wait when a command is aborted, and keeps the process
 * alive with its timers; `bottleneck` is large and unmaintained; `p-throttle`/`p-queue` are
 * fixed-window or concurrency limiters and ESM-only. The bucket below is small and does exactly
 * what the middleware needs: FIFO waiters, abortable waits, one unref'd timer per bucket.
 */
import type { FinalizeHandler, FinalizeHandlerArguments, FinalizeRequestMiddleware, HandlerExecutionContext, MetadataBearer } from '@smithy/types';
import { z } from 'zod';

/** The services the worker calls; the same names as `AwsService` in clients.ts. */
export type RateLimitedService = 'ec2' | 'ssm' | 'elbv2';

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
 * Changes to {@link DEFAULT_RATE_LIMITS}: per service, buckets to add or resize; `null` removes
 * a bucket (an action then falls back to its category; a removed category is not limited).
 * `utilization` is the share of each bucket the worker allows itself (default
 * {@link DEFAULT_UTILIZATION}).
 */
export type RateLimitOverrides = Partial<Record<RateLimitedService, Record<string, BucketSpec | null>>> & { utilization?: number };

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

const RATE_LIMITED_SERVICES: readonly RateLimitedService[] = ['ec2', 'ssm', 'elbv2'];

/** The environment variable that turns the worker's limiter off (`off`) or changes its table (JSON). */
export const RATE_LIMITS_ENV = 'HYBRID_DEPLOY_RATE_LIMITS';

const bucketSpecSchema = z
  .object({
    // A capacity below 1 could never hand out a token: every call would wait forever.
    capacity: z.number().finite().min(1),
    refillPerSecond: z.number().finite().positive(),
  })
  .strict();
const serviceOverridesSchema = z.record(z.string().min(1), bucketSpecSchema.nullable());
const overridesSchema = z
  .object({ ec2: serviceOverridesSchema, ssm: serviceOverridesSchema, elbv2: serviceOverridesSchema, utilization: z.number().gt(0).max(1) })
  .partial()
  .strict();

/** Checks an override table, naming the bad field (bad input stops at the edge, before any AWS call). */
export function parseRateLimitOverrides(value: unknown, source = 'rate limits'): RateLimitOverrides {
  const result = overridesSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(
      `Invalid ${source}: ${problems}. Expected e.g. {"ec2":{"RunInstances":{"capacity":5,"refillPerSecond":2}}}, or "off".`,
    );
  }
  return result.data as RateLimitOverrides;
}

/** Defaults with overrides applied (a new table; the defaults are never changed). */
export function resolveRateLimits(overrides: RateLimitOverrides = {}): RateLimitTable {
  const table = {} as RateLimitTable;
  for (const service of RATE_LIMITED_SERVICES) {
    const merged: Record<string, BucketSpec> = { ...DEFAULT_RATE_LIMITS[service] };
    for (const [name, spec] of Object.entries(overrides[service] ?? {})) {
      if (spec === null) delete merged[name];
      else merged[name] = { capacity: spec.capacity, refillPerSecond: spec.refillPerSecond };
    }
    table[service] = merged;
  }
  return table;
}

/**
 * Reads `HYBRID_DEPLOY_RATE_LIMITS`: unset, empty, `on` or `true` → the defaults; `off`, `false`
 * or `0` → `false` (no limiter); anything else must be a JSON override table.
 */
export function rateLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): false | RateLimitOverrides {
  const raw = env[RATE_LIMITS_ENV]?.trim();
  if (!raw || /^(on|true|1)$/i.test(raw)) return {};
  if (/^(off|false|0)$/i.test(raw)) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Error(`Invalid ${RATE_LIMITS_ENV}: not "off" and not JSON (${(error as Error).message}).`);
  }
  return parseRateLimitOverrides(parsed, RATE_LIMITS_ENV);
}

/** What a command costs: one token from this bucket. */
export interface BucketChoice {
  service: RateLimitedService;
  /** The table key: the action's own bucket, or its category. */
  bucket: string;
}

const NON_MUTATING = /^(Describe|Get|List|Search)/;

function nonEmpty(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== null;
}

/**
 * Picks the bucket of a command. `commandName` is the SDK's (`RunInstancesCommand`) or the bare
 * action. An action with its own entry in the table uses it; otherwise reads (`Describe*`,
 * `Get*`, `List*`, `Search*`) use `describe` and everything else `mutating`. EC2 counts a
 * `Describe*` with no `Filters`, no `MaxResults` and no `InstanceIds` in its smaller unfiltered
 * bucket (an empty id list counts as none, as AWS's pagination guide warns); we apply that rule
 * to every EC2 `Describe*`, erring toward the smaller bucket as the sandbox does.
 */
export function classifyCommand(
  service: RateLimitedService,
  commandName: string,
  input: Record<string, unknown> | undefined = {},
  table: RateLimitTable = DEFAULT_RATE_LIMITS,
): BucketChoice {
  const action = commandName.replace(/Command$/, '');
  if (Object.hasOwn(table[service] ?? {}, action)) return { service, bucket: action };
  if (!NON_MUTATING.test(action)) return { service, bucket: 'mutating' };
  const args = input ?? {};
  const unfiltered =
    service === 'ec2' && action.startsWith('Describe') && !nonEmpty(args.Filters) && !nonEmpty(args.InstanceIds) && args.MaxResults === undefined;
  return { service, bucket: unfiltered ? 'describeUnfiltered' : 'describe' };
}

/** An error like the one `fetch` throws on abort, for a signal without a reason. */
function abortError(signal: AbortSignal): unknown {
  if (signal.reason !== undefined) return signal.reason;
  const error = new Error('The operation was aborted while waiting for a rate-limit token');
  error.name = 'AbortError';
  return error;
}

interface Waiter {
  resolve: (waitedMs: number) => void;
  reject: (error: unknown) => void;
  since: number;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** Counters of one bucket, for benchmarks and logs. */
export interface BucketStats {
  /** Tokens handed out. */
  taken: number;
  /** Of those, how many had to wait for a refill. */
  waited: number;
  /** Total time callers spent waiting, ms. */
  waitMs: number;
  /** Longest single wait, ms. */
  maxWaitMs: number;
  /** Waits given up because the command was aborted. */
  aborted: number;
}

/**
 * A token bucket with an async, FIFO-fair `take()`. It starts full (as EC2's do), refills
 * continuously at `refillPerSecond`, and never holds more than `capacity`. A caller that finds
 * waiters ahead queues behind them even if a token has just appeared, so a steady stream of
 * newcomers cannot starve an early waiter.
 */
export class TokenBucket {
  readonly capacity: number;
  readonly refillPerSecond: number;
  private tokens: number;
  private updatedAt: number;
  private readonly queue: Waiter[] = [];
  private timer?: NodeJS.Timeout;
  private readonly stats: BucketStats = { taken: 0, waited: 0, waitMs: 0, maxWaitMs: 0, aborted: 0 };

  /** `now` is a monotonic clock in ms (injectable for tests). */
  constructor(spec: BucketSpec, private readonly now: () => number = () => performance.now()) {
    if (!(spec.capacity >= 1) || !(spec.refillPerSecond > 0)) {
      throw new RangeError(`A token bucket needs capacity >= 1 and refillPerSecond > 0 (got ${JSON.stringify(spec)})`);
    }
    this.capacity = spec.capacity;
    this.refillPerSecond = spec.refillPerSecond;
    this.tokens = spec.capacity;
    this.updatedAt = now();
  }

  /** Tokens in the bucket now (fractional while refilling). */
  get available(): number {
    this.refill();
    return this.tokens;
  }

  /** Callers waiting for a token. */
  get waiting(): number {
    return this.queue.length;
  }

  /** A copy of the counters. */
  get metrics(): BucketStats {
    return { ...this.stats };
  }

  /** Takes a token now if one is free and nobody is queued; never waits. */
  tryTake(): boolean {
    this.refill();
    if (this.queue.length > 0 || this.tokens < 1) return false;
    this.tokens -= 1;
    this.stats.taken += 1;
    return true;
  }

  /**
   * Takes a token, waiting in line for it if needed. Resolves with the ms waited (0 when a token
   * was free); rejects with the signal's reason if `signal` aborts first (the token is not spent).
   */
  take(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.tryTake()) return Promise.resolve(0);
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, since: this.now(), signal };
      if (signal) {
        waiter.onAbort = () => this.abandon(waiter);
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.schedule();
    });
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.refillPerSecond);
    this.updatedAt = now;
  }

  /** Hands out the tokens that have arrived, in queue order, then re-arms the timer. */
  private drain(): void {
    this.timer = undefined;
    this.refill();
    while (this.queue.length > 0 && this.tokens >= 1) {
      const waiter = this.queue.shift()!;
      this.tokens -= 1;
      const waited = this.now() - waiter.since;
      this.stats.taken += 1;
      this.stats.waited += 1;
      this.stats.waitMs += waited;
      this.stats.maxWaitMs = Math.max(this.stats.maxWaitMs, waited);
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(waited);
    }
    this.schedule();
  }

  /** One timer per bucket, set for when the head of the queue can be served. */
  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const ms = Math.max(1, Math.ceil(((1 - this.tokens) / this.refillPerSecond) * 1000));
    this.timer = setTimeout(() => this.drain(), ms);
    // A wait must not keep a finished process alive; whoever awaits the token holds the work.
    this.timer.unref();
  }

  private abandon(waiter: Waiter): void {
    const index = this.queue.indexOf(waiter);
    if (index < 0) return;
    this.queue.splice(index, 1);
    this.stats.aborted += 1;
    if (this.queue.length === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    waiter.reject(abortError(waiter.signal!));
  }
}

/** One bucket's identity, size and counters, as {@link RateLimiter.metrics} lists them. */
export interface BucketMetrics extends BucketStats, BucketSpec {
  region: string;
  service: RateLimitedService;
  bucket: string;
  /** Callers waiting right now. */
  queued: number;
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
  private readonly buckets = new Map<string, { region: string; choice: BucketChoice; bucket: TokenBucket }>();

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
      const scaled = {
        capacity: Math.max(1, Math.floor(spec.capacity * this.utilization)),
        refillPerSecond: spec.refillPerSecond * this.utilization,
      };
      entry = { region, choice, bucket: new TokenBucket(scaled, this.now) };
      this.buckets.set(key, entry);
    }
    return entry.bucket;
  }

  /** Waits for the command's token (see {@link TokenBucket.take}); resolves with the ms waited. */
  take(region: string, service: RateLimitedService, commandName: string, input?: Record<string, unknown>, signal?: AbortSignal): Promise<number> {
    const bucket = this.bucketFor(region, service, commandName, input);
    return bucket ? bucket.take(signal) : Promise.resolve(0);
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

/** The middleware's name in a client's stack. */
export const RATE_LIMIT_MIDDLEWARE = 'hybridDeployRateLimitMiddleware';

/** The part of an SDK v3 client the middleware needs. */
interface HasMiddlewareStack {
  middlewareStack: {
    addRelativeTo(middleware: any, options: { relation: 'before' | 'after'; toMiddleware: string; name?: string; override?: boolean }): void;
    add(middleware: any, options: { step: 'finalizeRequest'; priority?: 'high' | 'normal' | 'low'; name?: string; override?: boolean }): void;
    identify(): string[];
  };
}

/** The middleware itself: one token per attempt, then the request goes on to be signed and sent. */
export function rateLimitMiddleware(limiter: RateLimiter, service: RateLimitedService, region: string): FinalizeRequestMiddleware<any, MetadataBearer> {
  return (next: FinalizeHandler<any, MetadataBearer>, context: HandlerExecutionContext) =>
    async (args: FinalizeHandlerArguments<any>) => {
      const signal = (context.__smithy_context as { abortSignal?: AbortSignal } | undefined)?.abortSignal;
      await limiter.take(region, service, context.commandName ?? '', args.input as Record<string, unknown>, signal);
      return next(args);
    };
}

/**
 * Adds the limiter to a client. It sits right after the SDK's retry middleware, so every attempt
 * (retries included) pays a token, as AWS charges them, and before signing, so a long wait never
 * sends a stale signature. (`initialize`/`build` would run once per command, letting retries
 * through for free.) The command's abort signal ends a wait.
 */
export function addRateLimitMiddleware(client: HasMiddlewareStack, limiter: RateLimiter, service: RateLimitedService, region: string): void {
  const middleware = rateLimitMiddleware(limiter, service, region);
  const hasRetry = client.middlewareStack.identify().some((entry) => entry.startsWith('retryMiddleware '));
  if (hasRetry) {
    client.middlewareStack.addRelativeTo(middleware, { relation: 'after', toMiddleware: 'retryMiddleware', name: RATE_LIMIT_MIDDLEWARE, override: true });
  } else {
    client.middlewareStack.add(middleware, { step: 'finalizeRequest', priority: 'high', name: RATE_LIMIT_MIDDLEWARE, override: true });
  }
}
