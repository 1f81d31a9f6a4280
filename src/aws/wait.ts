import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { hasAwsCode, THROTTLING_CODES } from './errors';
import { heartbeat, heartbeatAgain } from './heartbeat';
import type { TransitionTimes } from './transition-times';

/** One look at the state being waited for. */
export interface WaitCheck<T> {
  done: boolean;
  /** The result, when done. */
  value?: T;
  /** What the wait has seen so far; sent as heartbeat details and quoted in a timeout error. */
  progress?: unknown;
  /**
   * Some of what is awaited has already changed (one target of several healthy). A learning wait
   * learns the last look at which *nothing* had changed: the end of the earliest, a moment no
   * later wait for fewer (or more) targets can be past.
   */
  anyChanged?: boolean;
}

/** A bounded, heartbeating wait. */
export interface WaitOptions<T> {
  /** Says what is awaited, for messages: "image ami-123 to be available". */
  what: string;
  timeoutSeconds: number;
  pollIntervalMs: number;
  check: () => Promise<WaitCheck<T>>;
  /** Merged into every heartbeat so a retried attempt can resume (e.g. the ids it created). */
  checkpoint?: Record<string, unknown>;
  /**
   * A transition whose duration is the resource's (see {@link TransitionTimes}): the wait learns
   * when it ends under `key`, and next time skips the calls before that and looks
   * {@link CLOSE_LOOKS_PER_INTERVAL} times as often around it.
   */
  learn?: { times: TransitionTimes; key: string };
}

/** Around a learned end, a wait looks this many times per poll interval (for one interval). */
export const CLOSE_LOOKS_PER_INTERVAL = 4;

/**
 * Polls until `check` says done, heartbeating each round with its progress, sleeping with the
 * activity's cancellable sleep. A round whose AWS call was throttled (after the SDK's own
 * retries) is skipped, not failed: the wait's bound, not the throttle, decides when to give up
 * (see contracts/retry-policy.ts). Gives up after `timeoutSeconds` with a non-retryable
 * `WaitTimedOut` failure that says what it was waiting for and what it last saw.
 *
 * With `learn`, the first look is at once (a resumed attempt may find it done), the next ones
 * start just before the learned end (heartbeating, without calls, meanwhile) and come
 * {@link CLOSE_LOOKS_PER_INTERVAL} times an interval for one interval, then at the interval.
 */
export async function waitFor<T>(options: WaitOptions<T>): Promise<T> {
  const context = Context.current();
  const began = Date.now();
  const deadline = began + options.timeoutSeconds * 1000;
  // A retried attempt does not know when the transition began (an earlier attempt started it, and
  // sending the call again does not restart AWS's clock): it neither skips nor teaches.
  const learn = context.info.attempt > 1 ? undefined : options.learn;
  const expected = learn?.times.expectedMs(learn.key);
  let progress: unknown;
  let lastUntouched: number | undefined;
  for (let look = 0; ; look++) {
    let result: WaitCheck<T> = { done: false, progress };
    const lookedAt = Date.now();
    let saw = false;
    try {
      result = await options.check();
      saw = true;
    } catch (error) {
      if (!hasAwsCode(error, ...THROTTLING_CODES)) throw error;
    }
    progress = result.progress;
    heartbeat({ ...options.checkpoint, waiting: options.what, progress });
    if (result.done) {
      // Only a wait that saw nothing changed yet learns: one done (or begun) at its first look says nothing of how long it takes.
      if (learn && lastUntouched !== undefined) learn.times.record(learn.key, lastUntouched - began);
      return result.value as T;
    }
    // A throttled look saw nothing: it must not make the learned end later than it is.
    if (saw && result.anyChanged !== true) lastUntouched = lookedAt;
    if (Date.now() >= deadline) {
      throw ApplicationFailure.create({
        type: 'WaitTimedOut',
        nonRetryable: true,
        message: `gave up after ${options.timeoutSeconds}s waiting for ${options.what}; last seen: ${JSON.stringify(progress)}`,
        details: [{ what: options.what, progress }],
      });
    }
    const nextLook = nextLookAt(Date.now(), began, options.pollIntervalMs, look === 0 ? expected : undefined, expected);
    await sleepHeartbeating(context, Math.min(nextLook, deadline) - Date.now(), options.pollIntervalMs);
  }
}

/**
 * When to look next: at the learned end (`skipTo`, after the first look), closely for one
 * interval after it, otherwise one interval on.
 */
function nextLookAt(now: number, began: number, intervalMs: number, skipTo: number | undefined, expected: number | undefined): number {
  if (skipTo !== undefined && began + skipTo > now + intervalMs / CLOSE_LOOKS_PER_INTERVAL) return began + skipTo;
  if (expected !== undefined && now < began + expected + intervalMs) return now + intervalMs / CLOSE_LOOKS_PER_INTERVAL;
  return now + intervalMs;
}

/** Sleeps `ms` (cancellably), heartbeating at least every `everyMs` so a long skip never looks like a dead worker. */
async function sleepHeartbeating(context: Context, ms: number, everyMs: number): Promise<void> {
  const until = Date.now() + Math.max(1, ms);
  for (;;) {
    await context.sleep(Math.max(1, Math.min(everyMs, until - Date.now())));
    if (Date.now() >= until) return;
    heartbeatAgain(context);
  }
}

/**
 * A wait's progress names each instance it still waits for, but at most `max` of them and then
 * how many more: a heartbeat per look with a line for each of a thousand instances would weigh
 * on the worker, on Temporal's history of the attempt, and on whoever reads it.
 */
export function atMost(lines: string[], max = 10): string[] {
  return lines.length <= max ? lines : [...lines.slice(0, max), `… and ${lines.length - max} more`];
}

/** The heartbeat details of the previous attempt of this activity, if any. */
export function resumeDetails<T extends object>(): Partial<T> {
  return (Context.current().info.heartbeatDetails as Partial<T> | undefined) ?? {};
}
