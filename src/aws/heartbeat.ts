/**
 * Heartbeats that never erase a checkpoint. Temporal keeps only an attempt's latest heartbeat
 * details, and a retried attempt resumes from them; a heartbeat sent only to say "still alive"
 * (while waiting for a rate-limit token) must therefore repeat the details last sent, not send
 * none. Activities heartbeat through {@link heartbeat}, which remembers what it sent.
 */
import { asyncLocalStorage, type Context } from '@temporalio/activity';

const lastSent = new WeakMap<Context, unknown>();

/** The running activity's context, or undefined outside an activity (the harness, benches, tests). */
export function currentActivity(): Context | undefined {
  return asyncLocalStorage.getStore();
}

/** Heartbeats the current activity with `details` (its checkpoint and progress) and remembers them. */
export function heartbeat(details: unknown): void {
  const context = currentActivity();
  if (!context) throw new Error('heartbeat() called outside an activity');
  lastSent.set(context, details);
  context.heartbeat(details);
}

/**
 * Heartbeats `context` again with the details it last sent, or, before its first heartbeat, with
 * the previous attempt's (so a retry that has not heartbeated yet keeps the checkpoint it resumed from).
 */
export function heartbeatAgain(context: Context): void {
  context.heartbeat(lastSent.has(context) ? lastSent.get(context) : context.info.heartbeatDetails);
}
