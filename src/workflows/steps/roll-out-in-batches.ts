import { executeChild, ParentClosePolicy, setHandler, workflowInfo } from '@temporalio/workflow';
import type { BatchPlan, FleetMember, UpdatedInstance, WaitingFleet } from '../../contracts';
import type { DeployRun } from '../deploy-run/deploy-run';
import { inEveryRegion } from '../deploy-run/in-every-region';
import { rolloutProgressSignal } from '../messages';
import { rollingSync } from '../rolling-sync';

/** Which batches a rollout does: `from` (default the first) up to, not including, `until` (default the last). */
export interface BatchRange {
  from?: number;
  until?: number;
}

/**
 * The mutable procedure's rollout: in every region at once, a child workflow ({@link rollingSync})
 * takes the live fleet through its batches — out of service, new release placed, post-deploy
 * tasks, back in service. Each child reports its progress here, for `status` and the Web UI.
 * Once a region is done, its rollback is registered as an undo step: if another region fails,
 * every region ends on its previous release. With a range it does only those batches: the canary
 * (`until: 1`, its own child `…/<region>/canary`) before the approval gate, the rest (`from: 1`)
 * after it. Resolves to what each region changed.
 */
export async function rollOutInBatches(run: DeployRun, fleets: FleetMember[][], plans: BatchPlan[], range: BatchRange = {}): Promise<UpdatedInstance[][]> {
  const from = range.from ?? 0;
  const canary = range.until !== undefined;
  // The rest of a rollout counts on from what its canary updated.
  const before = Object.fromEntries(run.spec.regions.map((region) => [region, from > 0 ? (run.status.regions[region]?.updated ?? 0) : 0]));
  setHandler(rolloutProgressSignal, ({ region, ...progress }) => run.region(region, { ...progress, updated: progress.updated + (before[region] ?? 0) }));
  if (from === 0) {
    run.spec.regions.forEach((region, i) =>
      run.region(region, { phase: 'syncing', batchesDone: 0, batchesTotal: plans[i].batches, updated: 0, oldInstances: fleets[i].map((m) => m.instanceId) }),
    );
  }
  return inEveryRegion(run, 'syncing', async (region, i) => {
    if (from >= Math.min(range.until ?? plans[i].batches, plans[i].batches)) {
      run.region(region, { phase: 'done' });
      return [];
    }
    const { updated } = await regionChild(run, region, fleets[i], plans[i], { mode: 'rollout', nextBatch: from, untilBatch: range.until, canary });
    // This region is done; if another fails, it must come back too.
    run.compensations.add(canary ? `roll back the canary in ${region}` : `roll back ${region}`, () =>
      regionChild(run, region, fleets[i], plans[i], { mode: 'rollback', updated, canary }),
    );
    run.region(region, { phase: 'done' });
    return updated;
  });
}

/** What a mutable deploy holds at the approval gate: the canary batch of every region, serving the new release. */
export function canaryWaiting(fleets: FleetMember[][], canaries: UpdatedInstance[][]): WaitingFleet {
  return { kind: 'canary', instanceIds: canaries.flat().map((u) => u.instanceId), since: new Date(Date.now()).toISOString(), fleetSize: fleets.flat().length };
}

interface ChildOptions {
  mode: 'rollout' | 'rollback';
  nextBatch?: number;
  untilBatch?: number;
  updated?: UpdatedInstance[];
  canary?: boolean;
}

/** One region's rolling sync (or its rollback), as a child workflow named after the deploy and the region. */
function regionChild(run: DeployRun, region: string, members: FleetMember[], plan: BatchPlan, options: ChildOptions) {
  const { mode, updated = [] } = options;
  const suffix = `${options.canary ? '/canary' : ''}${mode === 'rollback' ? '/rollback' : ''}`;
  return executeChild(rollingSync, {
    workflowId: `${workflowInfo().workflowId}/${region}${suffix}`,
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    staticSummary:
      mode === 'rollback'
        ? `roll back ${updated.length} instance(s) in ${region} to their previous release`
        : `rolling sync ${region}: ${run.request.version} on ${members.length} instance(s) in ${plan.batches} batch(es) of ${plan.batchSize}${options.canary ? ' (canary: the first batch)' : ''}`,
    args: [{ request: run.request, region, members, plan, nextBatch: options.nextBatch ?? 0, ...(options.untilBatch !== undefined ? { untilBatch: options.untilBatch } : {}), updated, mode }],
  });
}
