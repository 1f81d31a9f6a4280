import type { FleetMember } from '../../contracts';
import type { DeployResult } from '../messages';
import type { DeployRun } from './deploy-run';
import type { NewFleet } from '../steps/launch-fleet';

/** The small result a launch-based procedure returns: per region, the image, the new fleet and the retired one. */
export function newFleetResult(run: DeployRun, fleets: NewFleet[]): DeployResult {
  return {
    ...deployOf(run),
    regions: fleets.map((f) => ({
      region: f.region,
      imageId: f.imageId,
      instanceIds: f.instances.map((i) => i.instanceId),
      retiredInstanceIds: f.old.map((i) => i.instanceId),
    })),
  };
}

/** The result of a mutable deploy: per region, the instances that now run the release. */
export function liveFleetResult(run: DeployRun, fleets: FleetMember[][]): DeployResult {
  return {
    ...deployOf(run),
    regions: run.spec.regions.map((region, i) => ({ region, instanceIds: fleets[i].map((m) => m.instanceId), retiredInstanceIds: [] })),
  };
}

/** The result of a bake: per region, the image. */
export function imageResult(run: DeployRun, imageIds: string[]): DeployResult {
  return {
    ...deployOf(run),
    regions: run.spec.regions.map((region, i) => ({ region, imageId: imageIds[i], instanceIds: [], retiredInstanceIds: [] })),
  };
}

function deployOf(run: DeployRun): Omit<DeployResult, 'regions'> {
  const { reusedImage } = run.status;
  return { procedure: run.request.procedure, app: run.spec.app, env: run.request.env, version: run.request.version, ...(reusedImage ? { reusedImage } : {}) };
}
