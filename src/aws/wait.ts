import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { hasAwsCode, THROTTLING_CODES } from './errors';
import { heartbeat } from './heartbeat';

/** One look at the state being waited for. */
export interface WaitCheck<T> {
  done: boolean;
  /** The result, when done. */
  value?: T;
  /** What the wait has seen so far; sent as heartbeat details and quoted in a timeout error. */
  progress?: unknown;
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
}

/**
 * Polls until `check` says done, heartbeating each round with its progress, sleeping with the
 * activity's cancellable sleep. A round whose AWS call was throttled (after the SDK's own
 * retries) is skipped, not failed: the wait's bound, not the throttle, decides when to give up
 * (see contracts/retry-policy.ts). Gives up after `timeoutSeconds` with a non-retryable
 * `WaitTimedOut` failure that says what it was waiting for and what it last saw.
 */
export async function waitFor<T>(options: WaitOptions<T>): Promise<T> {
  const context = Context.current();
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  let progress: unknown;
  for (;;) {
    let result: WaitCheck<T> = { done: false, progress };
    try {
      result = await options.check();
    } catch (error) {
      if (!hasAwsCode(error, ...THROTTLING_CODES)) throw error;
    }
    progress = result.progress;
    heartbeat({ ...options.checkpoint, waiting: options.what, progress });
    if (result.done) return result.value as T;
    if (Date.now() >= deadline) {
      throw ApplicationFailure.create({
        type: 'WaitTimedOut',
        nonRetryable: true,
        message: `gave up after ${options.timeoutSeconds}s waiting for ${options.what}; last seen: ${JSON.stringify(progress)}`,
        details: [{ what: options.what, progress }],
      });
    }
    await context.sleep(Math.min(options.pollIntervalMs, Math.max(1, deadline - Date.now())));
  }
}

/** The heartbeat details of the previous attempt of this activity, if any. */
export function resumeDetails<T extends object>(): Partial<T> {
  return (Context.current().info.heartbeatDetails as Partial<T> | undefined) ?? {};
}
