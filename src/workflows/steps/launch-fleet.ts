import type { FleetMember, InstanceRef } from '../../contracts';
import type { DeployRun } from '../deploy-run/deploy-run';

/** A region's new fleet, launched but not yet live, and the fleet it will replace. */
export interface NewFleet {
  region: string;
  imageId: string;
  instances: InstanceRef[];
  old: FleetMember[];
  /** When its instances were running (ISO, workflow time): what they cost is counted from here. */
  launchedAt: string;
}

/**
 * Instantiate servers from an image (step 2 of the immutable procedure, step 1 of the partial
 * one): note the live fleet it will replace, then launch `desiredCount` instances over the
 * region's subnets and wait until they run with their SSM agent online. The undo step,
 * registered before the launch, terminates every instance this run launched as the fleet, found
 * by tag, so a launch cut short by a crash or a cancellation leaves nothing behind.
 */
export async function launchFleet(run: DeployRun, region: string, imageId: string): Promise<NewFleet> {
  const { spec, owner, tools, compensations, request } = run;
  const settings = run.settings(region);
  run.region(region, { phase: 'launching', imageId });
  const { instances: old } = await tools.findFleet({ region, app: spec.app, env: request.env }, `find the live fleet of ${spec.app}/${request.env} in ${region}`);
  run.region(region, { oldInstances: old.map((i) => i.instanceId) });

  compensations.add(`terminate the new fleet in ${region}`, () =>
    tools.terminateInstances({ region, ownedBy: { workflowId: owner.workflowId, runId: owner.runId, role: 'fleet' }, timeoutSeconds: spec.timeouts.instanceTerminated },
      `undo: terminate the new fleet in ${region}`,
    ),
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
  }, `launch ${settings.desiredCount} × ${spec.instanceType} in ${region} from ${imageId}`);
  run.region(region, { phase: 'verifying', newInstances: instances.map((i) => i.instanceId) });
  return { region, imageId, instances, old, launchedAt: new Date(Date.now()).toISOString() };
}
