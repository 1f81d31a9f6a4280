import { CancellationScope } from '@temporalio/workflow';
import type { DeployRun } from '../deploy-run';
import type { DeployResult } from '../messages';
import type { NewFleet } from './launch-verify';
import { allOrCancel } from './parallel';

/**
 * Makes every region's new fleet live: register it, wait healthy, deregister the old fleet, wait
 * drained. The old fleets keep running until every region is live, so a failure anywhere puts
 * every region back on its old fleet (the undo step registered before each shift).
 */
export async function promote(run: DeployRun, fleets: NewFleet[]): Promise<void> {
  const { tools, spec, compensations } = run;
  run.phase('promoting');
  await allOrCancel(
    fleets.map((fleet) => async () => {
      const base = {
        region: fleet.region,
        targetGroupArn: run.settings(fleet.region).targetGroupArn,
        port: spec.service.healthCheck.port,
        timeouts: spec.timeouts,
      };
      const newIds = fleet.instances.map((i) => i.instanceId);
      const oldIds = fleet.old.map((i) => i.instanceId);
      compensations.add(`put the old fleet back in service in ${fleet.region}`, () => tools.shiftTraffic({ ...base, register: oldIds, deregister: newIds }));
      run.region(fleet.region, { phase: 'promoting' });
      await tools.shiftTraffic({ ...base, register: newIds, deregister: oldIds });
    }),
  );
}

/**
 * Terminates the replaced fleets, once every region serves the new one. Past the point of no
 * return a cancellation cannot undo anything, so this part finishes regardless (not cancellable):
 * a cancel that arrives now leaves a completed deploy, not a half-retired old fleet.
 */
export async function retire(run: DeployRun, fleets: NewFleet[]): Promise<void> {
  run.phase('retiring');
  await CancellationScope.nonCancellable(() => retireAll(run, fleets));
}

async function retireAll(run: DeployRun, fleets: NewFleet[]): Promise<void> {
  await allOrCancel(
    fleets.map((fleet) => async () => {
      run.region(fleet.region, { phase: 'retiring' });
      await run.tools.terminateInstances({ region: fleet.region, instanceIds: fleet.old.map((i) => i.instanceId), timeoutSeconds: run.spec.timeouts.instanceTerminated });
      run.region(fleet.region, { phase: 'done' });
    }),
  );
}

/** The small result a launch-based procedure returns. */
export function fleetResult(run: DeployRun, fleets: NewFleet[]): DeployResult {
  return {
    procedure: run.request.procedure,
    app: run.spec.app,
    env: run.request.env,
    version: run.request.version,
    regions: fleets.map((f) => ({
      region: f.region,
      imageId: f.imageId,
      instanceIds: f.instances.map((i) => i.instanceId),
      retiredInstanceIds: f.old.map((i) => i.instanceId),
    })),
  };
}
