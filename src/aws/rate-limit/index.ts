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
 * Shape, one file per job: the bucket table (`buckets.ts`: {@link DEFAULT_RATE_LIMITS}), its
 * overrides (`overrides.ts`: worker options and `HYBRID_DEPLOY_RATE_LIMITS`), the classification of
 * a command into a bucket (`classify.ts`: {@link classifyCommand}), the token bucket itself
 * (`token-bucket.ts`), the limiter that keeps one bucket per (region, service, bucket)
 * (`limiter.ts`: {@link RateLimiter}), the SDK v3 middleware that takes a token before each
 * request attempt (`middleware.ts`: {@link addRateLimitMiddleware}), and the fleet's share of the
 * budget (`fleet-share.ts`: {@link shareBudgetWithFleet}: n workers take 1/n each).
 *
 * Why not a library: `limiter` (the maintained token-bucket package) starts its buckets empty
 * (EC2's start full), cannot abandon a wait when a command is aborted, and keeps the process
 * alive with its timers; `bottleneck` is large and unmaintained; `p-throttle`/`p-queue` are
 * fixed-window or concurrency limiters and ESM-only. The bucket in `token-bucket.ts` is small and
 * does exactly what the middleware needs: FIFO waiters, abortable waits, one unref'd timer per
 * bucket.
 */
export { DEFAULT_RATE_LIMITS, DEFAULT_UTILIZATION, type BucketSpec, type RateLimitedService, type RateLimitTable } from './buckets';
export { parseRateLimitOverrides, RATE_LIMITS_ENV, rateLimitsFromEnv, resolveRateLimits, type RateLimitOverrides } from './overrides';
export { classifyCommand, type BucketChoice } from './classify';
export { TokenBucket, type BucketStats } from './token-bucket';
export { RateLimiter, type BucketMetrics, type TokenWait } from './limiter';
export { addRateLimitMiddleware, RATE_LIMIT_MIDDLEWARE, rateLimitMiddleware } from './middleware';
export { countFleet, FLEET_RECOUNT_MS, shareBudgetWithFleet, STALE_POLLER_MS, type FleetShareOptions } from './fleet-share';
