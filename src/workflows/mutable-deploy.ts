import { ApplicationFailure, executeChild, ParentClosePolicy, setHandler, workflowInfo } from '@temporalio/workflow';
import type { DeployRequest } from '../contracts';
import { planBatches } from '../request/rollout';
import { allOrCancel } from './blocks/parallel';
import { runDeploy } from './deploy-run';
import { rolloutProgressSignal, type DeployResult } from './messages';
import { rollingSync, type RollingSyncResult } from './rolling-sync';

/**
 * Mutable: place the release on the running fleet, in rolling batches per region (a child
 * workflow per region, all regions in parallel), each batch drained, synced, tested and put
 * back before the next. If any region fails, every region rolls back every instance it
 * changed: the fleet ends on the previous release everywhere.
 */
export async function mutableDeploy(request: DeployRequest): Promise<DeployResult> {
  return runDeploy(request, async (run) => {
    const { spec, tools } = run;
    const rollout = { ...spec.rollout, ...request.rollout };
    run.phase('resolving');
    const fleets = await Promise.all(spec.regions.map((region) => tools.findFleet({ region, app: spec.app, env: request.env })));
    const plans = fleets.map(({ instances }, i) => {
      const region = spec.regions[i];
      if (instances.length === 0) {
        throw ApplicationFailure.create({
          type: 'NoLiveFleet',
          nonRetryable: true,
          message: `no live fleet of ${spec.app}/${request.env} in ${region}: a mutable deploy changes running instances; launch them with an immutable or partial deploy first`,
        });
      }
      try {
        return planBatches(instances.length, rollout.batchSize, rollout.minHealthy);
      } catch (error) {
        throw ApplicationFailure.create({ type: 'InvalidRollout', nonRetryable: true, message: `${region}: ${(error as Error).message}` });
      }
    });
    setHandler(rolloutProgressSignal, (progress) => run.region(progress.region, progress));
    spec.regions.forEach((region, i) =>
      run.region(region, { phase: 'syncing', batchesDone: 0, batchesTotal: plans[i].batches, updated: 0, oldInstances: fleets[i].instances.map((m) => m.instanceId) }),
    );
    run.phase('syncing');

    const childId = (region: string, suffix = '') => `${workflowInfo().workflowId}/${region}${suffix}`;
    const child = (region: string, i: number, mode: 'rollout' | 'rollback', updated: RollingSyncResult['updated'] = []) =>
      executeChild(rollingSync, {
        workflowId: childId(region, mode === 'rollback' ? '/rollback' : ''),
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        args: [{ request, region, members: fleets[i].instances, plan: plans[i], nextBatch: 0, updated, mode }],
      });
    await allOrCancel(
      spec.regions.map((region, i) => async () => {
        const result = await child(region, i, 'rollout');
        // This region is done; if another fails, it must come back too.
        run.compensations.add(`roll back ${region}`, () => child(region, i, 'rollback', result.updated));
        run.region(region, { phase: 'done' });
        return result;
      }),
    );
    return {
      procedure: request.procedure,
      app: spec.app,
      env: request.env,
      version: request.version,
      regions: spec.regions.map((region, i) => ({ region, instanceIds: fleets[i].instances.map((m) => m.instanceId), retiredInstanceIds: [] })),
    };
  });
}
