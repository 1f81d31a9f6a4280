/**
 * Timers for state transitions. Tracking them lets `stop()` cancel every pending transition so a
 * stopped sandbox leaves no timer (and no late side effect) behind.
 */

/** Logs a failure of background work; the sandbox passes its logger. */
export type BackgroundErrorSink = (what: string, error: unknown) => void;

/** Runs delayed and background work, and cancels all of it on close. */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly sleepers = new Set<() => void>();
  private closed = false;

  constructor(private readonly onError: BackgroundErrorSink) {}

  /** Runs `fn` after `ms` (0 = next timer tick). Errors are reported, never thrown. */
  after(ms: number, what: string, fn: () => void | Promise<void>): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) this.track(what, Promise.resolve().then(fn));
    }, Math.max(0, ms));
    this.timers.add(timer);
  }

  /**
   * Resolves after `ms`, or at once with `false` when the scheduler is (or gets) closed, so a
   * background loop that sleeps ends when the sandbox stops or resets instead of hanging `drain()`.
   */
  sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.sleepers.delete(wake);
        resolve(!this.closed);
      }, Math.max(0, ms));
      const wake = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        resolve(false);
      };
      this.timers.add(timer);
      this.sleepers.add(wake);
    });
  }

  /** Follows a background promise so `drain()` can wait for it and its errors get reported. */
  track(what: string, promise: Promise<unknown>): void {
    const tracked = promise.catch((e: unknown) => this.onError(what, e)).finally(() => this.tasks.delete(tracked));
    this.tasks.add(tracked);
  }

  /** Cancels every timer; later `after` calls do nothing. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
  }

  /** Waits for background work already started (bounded by the caller). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.tasks]);
  }
}
