/** The SDK v3 middleware that makes every request attempt wait for its token first. */
import type { FinalizeHandler, FinalizeHandlerArguments, FinalizeRequestMiddleware, HandlerExecutionContext, MetadataBearer } from '@smithy/types';
import type { RateLimitedService } from './buckets';
import type { RateLimiter } from './limiter';

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
