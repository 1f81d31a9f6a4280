/**
 * A token bucket with FIFO waiters, abortable waits and one unref'd timer: the primitive the
 * limiter keeps one of per (region, service, bucket).
 */
import type { BucketSpec } from './buckets';

/** The signal's reason, or an error like the one `fetch` throws on abort for a signal without one. */
export function abortError(signal: AbortSignal): unknown {
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
  /** Ends what `whileQueued` started, once the waiter leaves the queue. */
  stopWhileQueued?: () => void;
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
  private size: BucketSpec;
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
    this.size = { capacity: spec.capacity, refillPerSecond: spec.refillPerSecond };
    this.tokens = spec.capacity;
    this.updatedAt = now();
  }

  /** The burst it allows. */
  get capacity(): number {
    return this.size.capacity;
  }

  /** Tokens added per second. */
  get refillPerSecond(): number {
    return this.size.refillPerSecond;
  }

  /**
   * Changes the bucket's size (a worker's share of the fleet's budget changed). Tokens already in
   * it stay, up to the new capacity; waiters keep their places, served at the new rate.
   */
  resize(spec: BucketSpec): void {
    if (!(spec.capacity >= 1) || !(spec.refillPerSecond > 0)) throw new RangeError(`A token bucket needs capacity >= 1 and refillPerSecond > 0 (got ${JSON.stringify(spec)})`);
    this.refill();
    this.size = { capacity: spec.capacity, refillPerSecond: spec.refillPerSecond };
    this.tokens = Math.min(this.tokens, spec.capacity);
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.schedule();
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
   * `whileQueued` runs only when the caller has to wait (e.g. to keep heartbeating); the function
   * it returns is called as the caller leaves the queue, served or aborted.
   */
  take(signal?: AbortSignal, whileQueued?: () => () => void): Promise<number> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.tryTake()) return Promise.resolve(0);
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, since: this.now(), signal };
      if (signal) {
        waiter.onAbort = () => this.abandon(waiter);
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      waiter.stopWhileQueued = whileQueued?.();
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
      waiter.stopWhileQueued?.();
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
    waiter.stopWhileQueued?.();
    waiter.reject(abortError(waiter.signal!));
  }
}
