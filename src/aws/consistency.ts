import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { hasAwsCode } from './errors';
import { heartbeat } from './heartbeat';

/**
 * What AWS answers for a resource it has just created but does not show yet ("Eventual
 * consistency in the Amazon EC2 API"; aws/aws-cli#3546 for SSM). For an id the product made a
 * moment ago this means "not yet", never "gone"; for an id a user gave, it stays an error.
 */
export const NOT_VISIBLE_YET = {
  instance: 'InvalidInstanceID.NotFound',
  image: 'InvalidAMIID.NotFound',
  invocation: 'InvocationDoesNotExist',
} as const;

/** How long AWS may take to show what it just created, unless the worker says otherwise. */
export const DEFAULT_CONSISTENCY_WINDOW_MS = 120_000;

/** True while `error` says "not visible" and the window since `sinceMs` is still open. */
export function stillBecomingVisible(error: unknown, codes: readonly string[], sinceMs: number, windowMs: number): boolean {
  return hasAwsCode(error, ...codes) && Date.now() - sinceMs < windowMs;
}

export interface WhenVisibleOptions {
  /** For messages: "instance i-0abc in us-east-1". */
  what: string;
  /** The codes that mean "not visible yet" for this call. */
  codes: readonly string[];
  /** How long to keep trying. */
  windowMs: number;
  /** When the resource was created (default: now). */
  sinceMs?: number;
  /** Merged into every heartbeat, so waiting never erases what a retry must resume from. */
  checkpoint?: Record<string, unknown>;
}

/**
 * Runs `call`, retrying it while AWS answers one of `codes` for what this activity has just
 * created, until the consistency window has passed; heartbeats and sleeps cancellably between
 * tries (250 ms, doubling to 2 s). After the window the error is final and says why.
 */
export async function whenVisible<T>(options: WhenVisibleOptions, call: () => Promise<T>): Promise<T> {
  const since = options.sinceMs ?? Date.now();
  for (let delay = 250; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await call();
    } catch (error) {
      if (!hasAwsCode(error, ...options.codes)) throw error;
      if (Date.now() - since >= options.windowMs) {
        throw ApplicationFailure.create({
          type: 'NotVisible',
          nonRetryable: true,
          message: `${options.what} was created but AWS still does not show it after ${Math.round(options.windowMs / 1000)}s (${(error as Error).message})`,
          cause: error instanceof Error ? error : undefined,
        });
      }
      heartbeat({ ...options.checkpoint, waiting: `${options.what} to become visible` });
      await pause(delay);
    }
  }
}

/**
 * Polls `probe` until it finds what this activity knows exists (e.g. by a name filter that
 * cannot see a new resource yet), within the consistency window; heartbeats meanwhile.
 */
export async function untilListed<T>(what: string, windowMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const since = Date.now();
  for (let delay = 250; ; delay = Math.min(delay * 2, 2_000)) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() - since >= windowMs) {
      throw ApplicationFailure.create({ type: 'NotVisible', nonRetryable: true, message: `${what} exists but AWS still does not list it after ${Math.round(windowMs / 1000)}s` });
    }
    heartbeat({ waiting: `${what} to be listed` });
    await pause(delay);
  }
}

/**
 * The activity's cancellable sleep, or, once the activity is already cancelled and is cleaning
 * up after itself (terminating what it launched), a plain timer: cleanup must still be able to wait.
 */
export function pause(ms: number): Promise<void> {
  const context = Context.current();
  if (context.cancellationSignal.aborted) return new Promise((resolve) => setTimeout(resolve, ms));
  return context.sleep(ms);
}

/**
 * True when `error` is this activity being cancelled because the workflow gave up on it (a
 * cancelled deploy), not an attempt that timed out, lost its worker or was paused: only then may
 * an activity undo what it made, since a retried attempt reuses it (same ClientTokens, same commands).
 */
export function cancelledForGood(error: unknown): boolean {
  return error instanceof CancelledFailure && Context.current().cancellationDetails?.cancelRequested === true;
}
