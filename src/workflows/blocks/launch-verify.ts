import type { FleetMember, InstanceRef } from '../../contracts';
import type { DeployRun } from '../deploy-run';

/** A region's new fleet, verified but not yet live, and the fleet it will replace. */
export interface NewFleet {
  region: string;
  imageId: string;
  instances: InstanceRef[];
  old: FleetMember[];
}

/**
 * Launch → (place the release) → post-deploy → smoke test, in one region: the part of the
 * immutable and partial procedures that makes a new fleet ready without touching traffic. The
 * immutable procedure launches from an image that already holds the release; the partial one
 * launches from the last baked image and places the release with syncCode.
 */
export async function launchAndVerify(run: DeployRun, region: string, imageId: string, options: { placeRelease: boolean }): Promise<NewFleet> {
  const { spec, owner, tools, compensations, request } = run;
  const settings = run.settings(region);
  run.region(region, { phase: 'launching', imageId });
  const { instances: old } = await tools.findFleet({ region, app: spec.app, env: request.env });
  run.region(region, { oldInstances: old.map((i) => i.instanceId) });

  compensations.add(`terminate the new fleet in ${region}`, () =>
    tools.terminateInstances({ region, ownedBy: { workflowId: owner.workflowId, runId: owner.runId, role: 'fleet' }, timeoutSeconds: spec.timeouts.instanceTerminated }),
  );
  const { instances } = await tools.launchInstances({
    region,
    imageId,
    count: settings.desiredCount,
    instanceType: spec.instanceType,
    subnetIds: settings.subnetIds,
    securityGroupIds: settings.securityGroupIds,
    iamInstanceProfile: spec.iamInstanceProfile,
    owner,
    role: 'fleet',
    userTags: spec.tags,
    step: 'fleet',
    timeouts: spec.timeouts,
  });
  const instanceIds = instances.map((i) => i.instanceId);
  run.region(region, { phase: 'verifying', newInstances: instanceIds });

  if (options.placeRelease) {
    await tools.syncCode({ region, instanceIds, service: spec.service, version: request.version, artifact: request.artifact, timeoutSeconds: spec.timeouts.command });
  }
  if (spec.postDeploy.length > 0) {
    await tools.runOnInstances({ region, instanceIds, commands: spec.postDeploy, comment: `post-deploy ${request.version}`, timeoutSeconds: spec.timeouts.command });
  }
  await tools.smokeTest({ targets: instances, healthCheck: spec.service.healthCheck, version: request.version });
  return { region, imageId, instances, old };
}
