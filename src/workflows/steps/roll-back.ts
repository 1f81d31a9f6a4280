import { ApplicationFailure } from '@temporalio/workflow';
import { TagKeys, type UpdatedInstance } from '../../contracts';
import type { DeployRun } from '../deploy-run/deploy-run';
import { putBackInService } from './put-back-in-service';
import { takeOutOfService } from './take-out-of-service';

/**
 * Puts instances back on their previous release, a batch at a time (so the healthy floor holds
 * while it runs): out of service → syncCode in rollback mode (the release is still on disk) →
 * smoke test the old version → retag → back in service. An instance whose previous release is
 * unknown is not guessed at: it stays in service as it is, every other instance is rolled back,
 * and then the rollback fails naming it.
 */
export async function rollBack(run: DeployRun, region: string, instances: UpdatedInstance[], batchSize = instances.length): Promise<void> {
  const { tools, spec } = run;
  const known = instances.filter((i) => i.previousVersion !== '');
  const unknown = instances.filter((i) => i.previousVersion === '');
  for (let end = known.length; end > 0; end -= batchSize) {
    const batch = known.slice(Math.max(0, end - batchSize), end);
    const ids = batch.map((i) => i.instanceId);
    const byVersion = new Map<string, UpdatedInstance[]>();
    for (const instance of batch) byVersion.set(instance.previousVersion, [...(byVersion.get(instance.previousVersion) ?? []), instance]);
    await takeOutOfService(run, region, ids);
    for (const [version, group] of byVersion) {
      const groupIds = group.map((i) => i.instanceId);
      await tools.syncCode(
        { region, instanceIds: groupIds, service: spec.service, version, mode: 'rollback', timeoutSeconds: spec.timeouts.command },
        `roll ${groupIds.length} instance(s) back to ${version} in ${region}`,
      );
      await tools.smokeTest({ region, targets: group, healthCheck: spec.service.healthCheck, version }, `smoke test ${version} on ${groupIds.length} instance(s) in ${region}`);
      await tools.tagInstances({ region, instanceIds: groupIds, tags: { [TagKeys.version]: version } }, `tag ${groupIds.length} instance(s) version=${version} in ${region}`);
    }
    await putBackInService(run, region, ids);
  }
  if (unknown.length > 0) {
    throw ApplicationFailure.create({
      type: 'RollbackImpossible',
      nonRetryable: true,
      message: `no previous release is known for ${unknown.map((i) => i.instanceId).join(', ')} in ${region}: left in service on ${run.request.version}; the other ${known.length} instance(s) were rolled back`,
    });
  }
}
