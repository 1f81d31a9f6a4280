import { ApplicationFailure } from '@temporalio/workflow';
import { type FleetMember, TagKeys } from '../../contracts';
import type { DeployRun } from '../deploy-run';

/** An instance a rollout changed, and the release to put back if the deploy fails. */
export interface UpdatedInstance {
  instanceId: string;
  privateIp: string;
  previousVersion: string;
}

function trafficOf(run: DeployRun, region: string) {
  return {
    region,
    targetGroupArn: run.settings(region).targetGroupArn,
    port: run.spec.service.healthCheck.port,
    timeouts: run.spec.timeouts,
  };
}

/**
 * One batch of a rolling mutable deploy: drain it from the load balancer → syncCode →
 * post-deploy → smoke test → re-register and wait healthy → retag with the new version. The
 * undo step (roll the batch back to each instance's previous release) is registered before the
 * batch leaves service, so a failure at any point puts it back.
 */
export async function syncBatch(run: DeployRun, region: string, batch: FleetMember[], label: string): Promise<UpdatedInstance[]> {
  const { tools, spec, request } = run;
  const ids = batch.map((m) => m.instanceId);
  // Until syncCode reports, the version tag is the best knowledge of what each instance runs.
  const updated: UpdatedInstance[] = batch.map((m) => ({ instanceId: m.instanceId, privateIp: m.privateIp, previousVersion: m.version }));
  // It stays registered after the batch succeeds: a later batch failing rolls this one back too.
  run.compensations.add(`roll back ${label} in ${region}`, () => rollBack(run, region, updated));

  await tools.shiftTraffic({ ...trafficOf(run, region), register: [], deregister: ids });
  const { results } = await tools.syncCode({
    region,
    instanceIds: ids,
    service: spec.service,
    version: request.version,
    artifact: request.artifact,
    timeoutSeconds: spec.timeouts.command,
    failOnError: false,
  });
  for (const result of results) {
    const entry = updated.find((u) => u.instanceId === result.instanceId)!;
    // An instance already on the new version (a resumed or repeated sync) has nothing older to report.
    if (result.previousVersion && result.previousVersion !== request.version) entry.previousVersion = result.previousVersion;
  }
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    throw ApplicationFailure.create({
      type: 'SyncFailed',
      nonRetryable: true,
      message: `syncing ${request.version} failed on ${failed.length} of ${ids.length} instance(s) of ${label} in ${region}; ${failed[0].instanceId}: ${failed[0].error}`,
    });
  }
  if (spec.postDeploy.length > 0) {
    await tools.runOnInstances({ region, instanceIds: ids, commands: spec.postDeploy, comment: `post-deploy ${request.version}`, timeoutSeconds: spec.timeouts.command });
  }
  await tools.smokeTest({ targets: batch, healthCheck: spec.service.healthCheck, version: request.version });
  await tools.shiftTraffic({ ...trafficOf(run, region), register: ids, deregister: [] });
  await tools.tagInstances({ region, instanceIds: ids, tags: { [TagKeys.version]: request.version } });
  return updated;
}

/**
 * Puts instances back on their previous release, a batch at a time (so the healthy floor
 * holds while it runs): drain → syncCode in rollback mode → smoke test the old version →
 * re-register → retag. Instances with no previous release are reported, not guessed at.
 */
export async function rollBack(run: DeployRun, region: string, instances: UpdatedInstance[], batchSize = instances.length): Promise<void> {
  const { tools, spec } = run;
  for (let end = instances.length; end > 0; end -= batchSize) {
    const batch = instances.slice(Math.max(0, end - batchSize), end);
    const ids = batch.map((i) => i.instanceId);
    await tools.shiftTraffic({ ...trafficOf(run, region), register: [], deregister: ids });
    const byVersion = new Map<string, UpdatedInstance[]>();
    for (const instance of batch) byVersion.set(instance.previousVersion, [...(byVersion.get(instance.previousVersion) ?? []), instance]);
    const unknown = byVersion.get('');
    if (unknown) throw ApplicationFailure.create({ type: 'RollbackImpossible', nonRetryable: true, message: `no previous release is known for ${unknown.map((i) => i.instanceId).join(', ')} in ${region}` });
    for (const [version, group] of byVersion) {
      const groupIds = group.map((i) => i.instanceId);
      await tools.syncCode({ region, instanceIds: groupIds, service: spec.service, version, mode: 'rollback', timeoutSeconds: spec.timeouts.command });
      await tools.smokeTest({ targets: group, healthCheck: spec.service.healthCheck, version });
      await tools.tagInstances({ region, instanceIds: groupIds, tags: { [TagKeys.version]: version } });
    }
    await tools.shiftTraffic({ ...trafficOf(run, region), register: ids, deregister: [] });
  }
}
