import type { RetryPolicy } from '@temporalio/common';

/**
 * The one retry layer, understood: who retries what, and how often in all.
 *
 * - **The AWS SDK** makes {@link SDK_MAX_ATTEMPTS} attempts per call (standard mode: throttling,
 *   5xx and network errors, with its own jittered backoff, under 1.5 s in all). It smooths over a
 *   blip, and over a partial throttle: an activity that makes n calls loses its attempt when any
 *   one call fails every SDK attempt, 1 − (1 − p^k)^n with p the share of calls throttled and k
 *   the attempts. With a third of calls throttled, the preflight's 14 calls lose 73% of attempts
 *   at k = 2 (and one deploy in five waited 4 minutes for a preflight that passed), 32% at k = 3
 *   (the SDK's own default; 4 failures in a row: 1%).
 * - **Temporal** retries the activity ({@link AWS_ACTIVITY_RETRY}) when a call still fails after
 *   that, with backoff that grows to minutes; permanent AWS errors are non-retryable by type
 *   (aws/errors.ts), so they fail at once. A retried activity resumes from its heartbeat.
 * - **Waits** (image available, instances running, commands, target health) never fail on a
 *   throttled poll: they skip that round and keep polling within their own bound (aws/wait.ts).
 * - **Visibility**: NotFound for an id the activity itself just created is waited out inside the
 *   activity, within the consistency window (aws/consistency.ts); it never costs a Temporal attempt.
 *
 * So one AWS call is sent at most 3 × 8 = 24 times, spread over about 14 minutes (attempts at
 * about 0 s, 2 s, 8 s, 26 s, 1.3 min, 4 min, 9 min, 14 min). A 10-minute throttling storm delays
 * a step by up to 5 minutes past its end and the deploy carries on; a storm longer than about
 * 14 minutes fails the step, and the deploy fails and compensates (its undo steps retry the same way).
 */
export const SDK_MAX_ATTEMPTS = 3;

/** The retry policy of every AWS activity (see above). */
export const AWS_ACTIVITY_RETRY: RetryPolicy = {
  initialInterval: '2s',
  backoffCoefficient: 3,
  maximumInterval: '5m',
  maximumAttempts: 8,
};
