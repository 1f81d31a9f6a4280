import type { DeployRequest } from '../contracts';
import { runDeploy } from './deploy-run/deploy-run';
import { liveFleetResult } from './deploy-run/results';
import type { DeployResult } from './messages';
import { preflight } from './steps/preflight';
import { findLiveFleets } from './steps/find-live-fleets';
import { planRollouts } from './steps/plan-rollouts';
import { rollOutInBatches } from './steps/roll-out-in-batches';

/**
 * Mutable, the hotfix path — on the running fleet of every region, in rolling batches that keep
 * the minimum-healthy floor in service (see `rollingSync` for one region's batches):
 *  1. replace the application code on the running servers with the new release;
 *  2. perform the post-deploy tasks and the smoke test on them.
 * If any region fails, every region rolls back every instance it changed.
 */
export async function mutableDeploy(request: DeployRequest): Promise<DeployResult> {
  return runDeploy(request, async (run) => {
    await preflight(run);
    const fleets = await findLiveFleets(run);
    const plans = planRollouts(run, fleets);
    await rollOutInBatches(run, fleets, plans);
    return liveFleetResult(run, fleets);
  });
}
