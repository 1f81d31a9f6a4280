import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { type ApplyRetentionOutput, clipSummary, type ReapedResource, type RetentionPolicy } from '../contracts';
import { DEFAULT_MAX_BUILDER_AGE_HOURS } from './reaper';

/** Input of {@link housekeeping}: one app, in the regions of its spec. */
export interface HousekeepingInput {
  app: string;
  regions: string[];
  /** The spec's `retention`. */
  policy: RetentionPolicy;
  /** Report only; remove nothing. */
  dryRun?: boolean;
  /** Judge ages and expiry as of this time (ISO). Default: the workflow's clock. */
  now?: string;
  maxBuilderAgeHours?: number;
  /** List the catalog and what the policy decides, without the reaper's sweep (`hybrid-deploy images`). */
  listOnly?: boolean;
}

/** What one run of housekeeping removed (or would remove) and kept, and the storage that means. */
export interface HousekeepingReport {
  app: string;
  now: string;
  dryRun: boolean;
  /** Per region: the catalog with each image's decision, and the snapshot storage kept and freed. */
  regions: (ApplyRetentionOutput & { region: string })[];
  /** What the reaper removed: expired or orphaned builders, failed or abandoned images, stranded snapshots. */
  reaped: ReapedResource[];
  keptGiB: number;
  freedGiB: number;
}

const SWEEP_TIMEOUT_SECONDS = 1_200;

const { applyRetention, reapExpired } = proxyActivities<Activities>({
  startToCloseTimeout: `${SWEEP_TIMEOUT_SECONDS + 300} seconds`,
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
});

/**
 * Housekeeping of one app's images, in every region at once: the retention policy (keep the
 * newest N and the young, never what is in use; deregister the rest with their snapshots), then
 * the reaper's sweep (expired and orphaned builders, failed images, snapshots left without an
 * image). Runs from a Temporal Schedule (`hybrid-deploy housekeeping --schedule`), or at once.
 * Touches only what a hybrid-deploy run made and no longer runs.
 */
export async function housekeeping(input: HousekeepingInput): Promise<HousekeepingReport> {
  const now = input.now ?? new Date(Date.now()).toISOString();
  const dryRun = (input.dryRun ?? false) || (input.listOnly ?? false);
  const perRegion = await Promise.all(
    input.regions.map(async (region) => {
      const retention = await applyRetention.executeWithOptions(
        { summary: clipSummary(`retention of ${input.app} in ${region}: keep the newest ${input.policy.keep} and those younger than ${input.policy.minAgeDays} days${dryRun ? ' (dry run)' : ''}`) },
        [{ region, app: input.app, policy: input.policy, now, dryRun }],
      );
      if (input.listOnly) return { retention: { region, ...retention }, reaped: [] as ReapedResource[] };
      const { removed } = await reapExpired.executeWithOptions({ summary: clipSummary(`reap what deploys of ${input.app} left in ${region}${dryRun ? ' (dry run)' : ''}`) }, [
        { region, app: input.app, now, dryRun, maxBuilderAgeHours: input.maxBuilderAgeHours ?? DEFAULT_MAX_BUILDER_AGE_HOURS, timeoutSeconds: SWEEP_TIMEOUT_SECONDS },
      ]);
      return { retention: { region, ...retention }, reaped: removed };
    }),
  );
  const regions = perRegion.map((r) => r.retention);
  const reaped = perRegion.flatMap((r) => r.reaped);
  const reapedGiB = reaped.reduce((total, r) => total + (r.sizeGiB ?? 0), 0);
  return {
    app: input.app,
    now,
    dryRun,
    regions,
    reaped,
    keptGiB: regions.reduce((total, r) => total + r.keptGiB, 0),
    freedGiB: regions.reduce((total, r) => total + r.freedGiB, 0) + reapedGiB,
  };
}
