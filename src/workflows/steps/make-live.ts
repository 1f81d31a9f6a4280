import type { DeployRun } from '../deploy-run/deploy-run';
import { allOrCancel } from '../deploy-run/in-every-region';
import type { NewFleet } from './launch-fleet';

/**
 * Makes every region's new fleet live, once every region's fleet passed its post-deploy tasks:
 * register it, wait healthy, deregister the old fleet, wait drained. The old fleets keep running
 * until every region is live, so a failure anywhere puts every region back on its old fleet (the
 * undo step registered before each shift).
 */
export async function makeLive(run: DeployRun, fleets: NewFleet[]): Promise<void> {
  const { tools, compensations } = run;
  run.phase('promoting');
  await allOrCancel(
    fleets.map((fleet) => async () => {
      const newIds = fleet.instances.map((i) => i.instanceId);
      const oldIds = fleet.old.map((i) => i.instanceId);
      const traffic = run.trafficOf(fleet.region);
      compensations.add(`put the old fleet back in service in ${fleet.region}`, () =>
        tools.shiftTraffic({ ...traffic, register: oldIds, deregister: newIds }, `undo: put the old fleet (${oldIds.length}) back in service in ${fleet.region}`),
      );
      run.region(fleet.region, { phase: 'promoting' });
      await tools.shiftTraffic({ ...traffic, register: newIds, deregister: oldIds }, `make ${newIds.length} new instance(s) live in ${fleet.region}, drain ${oldIds.length} old`);
    }),
  );
}
