import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ReapedResource } from '../contracts';

/** Input of {@link reaper}. */
export interface ReaperInput {
  /** The regions to sweep (a spec's regions). */
  regions: string[];
  /** Only this app's resources (a spec's app). */
  app?: string;
  /** Judge expiry and age as of this time (ISO; for testing a TTL). Default: the workflow's clock. */
  now?: string;
  /** Report only; remove nothing. */
  dryRun?: boolean;
  /** A builder with no expiry, older than this, whose deploy is not running, is an orphan (default 24). */
  maxBuilderAgeHours?: number;
}

/** What the reaper removed (or would remove, in a dry run), per resource with the reason. */
export interface ReaperReport {
  now: string;
  dryRun: boolean;
  removed: ReapedResource[];
}

export const DEFAULT_MAX_BUILDER_AGE_HOURS = 24;
const TERMINATE_TIMEOUT_SECONDS = 1_200;

const { reapExpired } = proxyActivities<Activities>({
  startToCloseTimeout: `${TERMINATE_TIMEOUT_SECONDS + 300} seconds`,
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
});

/**
 * Sweeps what deploys left behind, in every region at once: kept builders whose expiry has
 * passed, orphaned builders, failed or abandoned images (see `reapExpired`). Run it from a
 * Temporal Schedule, or by hand with `hybrid-deploy reap`.
 */
export async function reaper(input: ReaperInput): Promise<ReaperReport> {
  const now = input.now ?? new Date(Date.now()).toISOString();
  const dryRun = input.dryRun ?? false;
  const results = await Promise.all(
    input.regions.map((region) =>
      reapExpired({
        region,
        app: input.app,
        now,
        dryRun,
        maxBuilderAgeHours: input.maxBuilderAgeHours ?? DEFAULT_MAX_BUILDER_AGE_HOURS,
        timeoutSeconds: TERMINATE_TIMEOUT_SECONDS,
      }),
    ),
  );
  return { now, dryRun, removed: results.flatMap((r) => r.removed) };
}
