/** The SDK v3 middleware that makes every request attempt wait for its token first. */
import type { FinalizeHandler, FinalizeHandlerArguments, FinalizeRequestMiddleware, HandlerExecutionContext, MetadataBearer } from '@smithy/types';
import type { Context } from '@temporalio/activity';
import { currentActivity, heartbeatAgain } from '../heartbeat';
import type { RateLimitedService } from './buckets';
import type { RateLimiter } from './limiter';
import { abortError } from './token-bucket';

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

/** The shortest pause between two heartbeats of a queued call (the SDK throttles what it sends anyway). */
const MIN_HEARTBEAT_EVERY_MS = 100;

/**
 * The middleware itself: one token per attempt, then the request goes on to be signed and sent.
 *
 * Inside an activity it also does two things a wait for a token needs. It heartbeats while the
 * call is queued (repeating the activity's last details), so a long queue never looks like a dead
 * worker and the attempt is not timed out and retried while it waits its turn. And it ends the
 * wait, and the wait for the response, when the activity is cancelled (a cancellation, or a
 * timeout that the next heartbeat reports), so a dead attempt leaves the queue and spends no
 * token. A command's own abort signal (`send(command, { abortSignal })`) does the same.
 */
export function rateLimitMiddleware(limiter: RateLimiter, service: RateLimitedService, region: string): FinalizeRequestMiddleware<any, MetadataBearer> {
  return (next: FinalizeHandler<any, MetadataBearer>, context: HandlerExecutionContext) =>
    async (args: FinalizeHandlerArguments<any>) => {
      const activity = currentActivity();
      const commandSignal = (context.__smithy_context as { abortSignal?: AbortSignal } | undefined)?.abortSignal;
      const signal = eitherSignal(commandSignal, activity?.cancellationSignal);
      const whileQueued = activity?.info.heartbeatTimeoutMs ? () => keepHeartbeating(activity) : undefined;
      await limiter.take(region, service, context.commandName ?? '', args.input as Record<string, unknown>, signal, whileQueued);
      return signal ? untilAborted(next(args), signal) : next(args);
    };
}

/** Heartbeats now and then every quarter of the heartbeat timeout, until the returned function is called. */
function keepHeartbeating(activity: Context): () => void {
  heartbeatAgain(activity);
  const every = Math.max(MIN_HEARTBEAT_EVERY_MS, Math.floor((activity.info.heartbeatTimeoutMs ?? 0) / 4));
  const timer = setInterval(() => heartbeatAgain(activity), every);
  return () => clearInterval(timer);
}

/** A signal that aborts when either does (either may be missing). */
function eitherSignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a || !b) return a ?? b;
  return AbortSignal.any([a, b]);
}

/** The response, unless the signal aborts first (then its reason; the request itself is left to finish). */
function untilAborted<T>(response: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = () => signal.removeEventListener('abort', onAbort);
    void response.then(
      (value) => (settle(), resolve(value)),
      (error: unknown) => (settle(), reject(error)),
    );
  });
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
