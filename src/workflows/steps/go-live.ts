import type { DeployRun } from '../deploy-run/deploy-run';
import { newFleetResult } from '../deploy-run/results';
import type { DeployResult } from '../messages';
import type { NewFleet } from './launch-fleet';
import { makeLive } from './make-live';
import { retireOldFleets } from './retire-old-fleets';

/**
 * The end of every launch-based procedure, once every region's new fleet passed its post-deploy
 * tasks: make them all live at once, pass the point of no return (from here on a failure is
 * retried, not undone), and retire the old fleets.
 */
export async function goLive(run: DeployRun, fleets: NewFleet[]): Promise<DeployResult> {
  await makeLive(run, fleets);
  run.pointOfNoReturn();
  await retireOldFleets(run, fleets);
  return newFleetResult(run, fleets);
}
