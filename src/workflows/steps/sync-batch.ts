import { patched } from '@temporalio/workflow';
import { TagKeys, type FleetMember, type SyncResult, type UpdatedInstance } from '../../contracts';
import type { DeployRun } from '../deploy-run/deploy-run';
import { allOrCancel } from '../deploy-run/in-every-region';
import { placeRelease } from './place-release';
import { putBackInService } from './put-back-in-service';
import { rollBack } from './roll-back';
import { runPostDeployTasks } from './run-post-deploy-tasks';
import { takeOutOfService } from './take-out-of-service';

/**
 * One batch of a rolling mutable deploy: the two steps of the mutable procedure — place the
 * release, run the post-deploy tasks (in the same SSM command) — on instances taken out of service for it and put back
 * after; their version tag follows the release (beside the health checks). The undo step (roll the batch back to each
 * instance's previous release) is registered before the batch leaves service, so a failure at
 * any point puts it back; it stays registered after the batch succeeds, so a later batch failing
 * rolls this one back too.
 */
export async function syncBatch(run: DeployRun, region: string, batch: FleetMember[], label: string): Promise<UpdatedInstance[]> {
  const { tools, request } = run;
  const ids = batch.map((m) => m.instanceId);
  // Until syncCode reports, the version tag is the best knowledge of what each instance runs.
  const updated: UpdatedInstance[] = batch.map((m) => ({ instanceId: m.instanceId, privateIp: m.privateIp, previousVersion: m.version }));
  run.compensations.add(`roll back ${label} in ${region}`, () => rollBack(run, region, updated));

  await takeOutOfService(run, region, ids);
  const placed = await placeRelease(run, region, batch, { label, onResults: (results) => recordPreviousVersions(updated, results, request.version) });
  await runPostDeployTasks(run, region, batch, { commandsRan: placed.postDeployRan });
  const tag = () => tools.tagInstances({ region, instanceIds: ids, tags: { [TagKeys.version]: request.version } }, `tag ${label} version=${request.version} in ${region}`);
  if (patched('tag-beside-back-in-service')) {
    // The batch runs the release from here on: its tag need not wait for the health checks, which
    // are on the rollout's critical path. If one fails the other is cancelled and awaited before
    // the failure propagates, so the undo's retag never races a late tag of the new version.
    await allOrCancel<unknown>([() => putBackInService(run, region, ids), tag]);
  } else {
    await putBackInService(run, region, ids);
    await tag();
  }
  return updated;
}

/** What syncCode saw before it switched each instance; an instance already on the new version (a resumed sync) has nothing older to report. */
function recordPreviousVersions(updated: UpdatedInstance[], results: SyncResult[], version: string): void {
  for (const result of results) {
    const entry = updated.find((u) => u.instanceId === result.instanceId);
    if (entry && result.previousVersion && result.previousVersion !== version) entry.previousVersion = result.previousVersion;
  }
}
