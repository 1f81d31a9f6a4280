import { ApplicationFailure } from '@temporalio/workflow';
import type { FleetMember } from '../../contracts';
import type { DeployRun } from '../deploy-run/deploy-run';

/**
 * The mutable procedure's starting point: the running servers of the app and environment in
 * every region (instances hybrid-deploy launched as the fleet). A region with none fails the
 * deploy at once: a mutable deploy changes running instances, it launches none.
 */
export async function findLiveFleets(run: DeployRun): Promise<FleetMember[][]> {
  const { spec, tools, request } = run;
  run.phase('resolving');
  const fleets = await Promise.all(spec.regions.map((region) => tools.findFleet({ region, app: spec.app, env: request.env }, `find the live fleet of ${spec.app}/${request.env} in ${region}`)));
  return fleets.map(({ instances }, i) => {
    if (instances.length === 0) {
      throw ApplicationFailure.create({
        type: 'NoLiveFleet',
        nonRetryable: true,
        message: `no live fleet of ${spec.app}/${request.env} in ${spec.regions[i]}: a mutable deploy changes running instances; launch them with an immutable or partial deploy first`,
      });
    }
    return instances;
  });
}
