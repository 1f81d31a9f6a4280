/**
 * Changes to the bucket table, from the worker's options or the `HYBRID_DEPLOY_RATE_LIMITS`
 * environment variable: checked at the edge (bad input names its field before any AWS call),
 * then merged over the defaults.
 */
import { z } from 'zod';
import { DEFAULT_RATE_LIMITS, RATE_LIMITED_SERVICES, type BucketSpec, type RateLimitedService, type RateLimitTable } from './buckets';

/**
 * Changes to {@link DEFAULT_RATE_LIMITS}: per service, buckets to add or resize; `null` removes
 * a bucket (an action then falls back to its category; a removed category is not limited).
 * `utilization` is the share of each bucket the worker allows itself (default
 * {@link DEFAULT_UTILIZATION}).
 */
export type RateLimitOverrides = Partial<Record<RateLimitedService, Record<string, BucketSpec | null>>> & { utilization?: number };

/** The environment variable that turns the worker's limiter off (`off`) or changes its table (JSON). */
export const RATE_LIMITS_ENV = 'HYBRID_DEPLOY_RATE_LIMITS';

const bucketSpecSchema = z
  .object({
    // A capacity below 1 could never hand out a token: every call would wait forever.
    capacity: z.number().finite().min(1),
    refillPerSecond: z.number().finite().positive(),
  })
  .strict();
const serviceOverridesSchema = z.record(z.string().min(1), bucketSpecSchema.nullable());
const overridesSchema = z
  .object({ ec2: serviceOverridesSchema, ssm: serviceOverridesSchema, elbv2: serviceOverridesSchema, utilization: z.number().gt(0).max(1) })
  .partial()
  .strict();

/** Checks an override table, naming the bad field (bad input stops at the edge, before any AWS call). */
export function parseRateLimitOverrides(value: unknown, source = 'rate limits'): RateLimitOverrides {
  const result = overridesSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(
      `Invalid ${source}: ${problems}. Expected e.g. {"ec2":{"RunInstances":{"capacity":5,"refillPerSecond":2}}}, or "off".`,
    );
  }
  return result.data as RateLimitOverrides;
}

/** Defaults with overrides applied (a new table; the defaults are never changed). */
export function resolveRateLimits(overrides: RateLimitOverrides = {}): RateLimitTable {
  const table = {} as RateLimitTable;
  for (const service of RATE_LIMITED_SERVICES) {
    const merged: Record<string, BucketSpec> = { ...DEFAULT_RATE_LIMITS[service] };
    for (const [name, spec] of Object.entries(overrides[service] ?? {})) {
      if (spec === null) delete merged[name];
      else merged[name] = { capacity: spec.capacity, refillPerSecond: spec.refillPerSecond };
    }
    table[service] = merged;
  }
  return table;
}

/**
 * Reads `HYBRID_DEPLOY_RATE_LIMITS`: unset, empty, `on` or `true` → the defaults; `off`, `false`
 * or `0` → `false` (no limiter); anything else must be a JSON override table.
 */
export function rateLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): false | RateLimitOverrides {
  const raw = env[RATE_LIMITS_ENV]?.trim();
  if (!raw || /^(on|true|1)$/i.test(raw)) return {};
  if (/^(off|false|0)$/i.test(raw)) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Error(`Invalid ${RATE_LIMITS_ENV}: not "off" and not JSON (${(error as Error).message}).`);
  }
  return parseRateLimitOverrides(parsed, RATE_LIMITS_ENV);
}
