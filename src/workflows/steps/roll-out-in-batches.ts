import { executeChild, ParentClosePolicy, setHandler, workflowInfo } from '@temporalio/workflow';
import type { BatchPlan, FleetMember, UpdatedInstance } from '../../contracts';
import type { DeployRun } from '../deploy-run/deploy-run';
import { inEveryRegion } from '../deploy-run/in-every-region';
import { rolloutProgressSignal } from '../messages';
import { rollingSync } from '../rolling-sync';

/**
 * The mutable procedure's rollout: in every region at once, a child workflow ({@link rollingSync})
 * takes the live fleet through its batches — out of service, new release placed, post-deploy
 * tasks, back in service. Each child reports its progress here, for `status` and the Web UI.
 * Once a region is done, its rollback is registered as an undo step: if another region fails,
 * every region ends on its previous release.
 */
export async function rollOutInBatches(run: DeployRun, fleets: FleetMember[][], plans: BatchPlan[]): Promise<void> {
  setHandler(rolloutProgressSignal, ({ region, ...progress }) => run.region(region, progress));
  run.spec.regions.forEach((region, i) =>
    run.region(region, { phase: 'syncing', batchesDone: 0, batchesTotal: plans[i].batches, updated: 0, oldInstances: fleets[i].map((m) => m.instanceId) }),
  );
  await inEveryRegion(run, 'syncing', async (region, i) => {
    const { updated } = await regionChild(run, region, fleets[i], plans[i], 'rollout');
    // This region is done; if another fails, it must come back too.
    run.compensations.add(`roll back ${region}`, () => regionChild(run, region, fleets[i], plans[i], 'rollback', updated));
    run.region(region, { phase: 'done' });
  });
}

/** One region's rolling sync (or its rollback), as a child workflow named after the deploy and the region. */
function regionChild(run: DeployRun, region: string, members: FleetMember[], plan: BatchPlan, mode: 'rollout' | 'rollback', updated: UpdatedInstance[] = []) {
  return executeChild(rollingSync, {
    workflowId: `${workflowInfo().workflowId}/${region}${mode === 'rollback' ? '/rollback' : ''}`,
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    staticSummary:
      mode === 'rollback'
        ? `roll back ${updated.length} instance(s) in ${region} to their previous release`
        : `rolling sync ${region}: ${run.request.version} on ${members.length} instance(s) in ${plan.batches} batch(es) of ${plan.batchSize}`,
    args: [{ request: run.request, region, members, plan, nextBatch: 0, updated, mode }],
  });
}
