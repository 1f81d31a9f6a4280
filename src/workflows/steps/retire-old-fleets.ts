import { CancellationScope } from '@temporalio/workflow';
import type { DeployRun } from '../deploy-run/deploy-run';
import { allOrCancel } from '../deploy-run/in-every-region';
import type { NewFleet } from './launch-fleet';

/**
 * Terminates the replaced fleets, once every region serves the new one. Past the point of no
 * return a cancellation cannot undo anything, so this part finishes regardless (not cancellable):
 * a cancel that arrives now leaves a completed deploy, not a half-retired old fleet.
 */
export async function retireOldFleets(run: DeployRun, fleets: NewFleet[]): Promise<void> {
  run.phase('retiring');
  await CancellationScope.nonCancellable(() =>
    allOrCancel(
      fleets.map((fleet) => async () => {
        run.region(fleet.region, { phase: 'retiring' });
        await run.tools.terminateInstances(
          { region: fleet.region, instanceIds: fleet.old.map((i) => i.instanceId), timeoutSeconds: run.spec.timeouts.instanceTerminated },
          `retire the old fleet (${fleet.old.length}) in ${fleet.region}`,
        );
        run.region(fleet.region, { phase: 'done' });
      }),
    ),
  );
}
