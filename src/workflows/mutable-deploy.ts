import type { DeployRequest } from '../contracts';
import { runDeploy } from './deploy-run/deploy-run';
import { liveFleetResult } from './deploy-run/results';
import type { DeployResult } from './messages';
import { preflight } from './steps/preflight';
import { findLiveFleets } from './steps/find-live-fleets';
import { planRollouts } from './steps/plan-rollouts';
import { canaryWaiting, rollOutInBatches } from './steps/roll-out-in-batches';
import { approvalRequired, waitForApproval } from './steps/wait-for-approval';

/**
 * Mutable, the hotfix path — on the running fleet of every region, in rolling batches that keep
 * the minimum-healthy floor in service (see `rollingSync` for one region's batches):
 *  1. replace the application code on the running servers with the new release;
 *  2. perform the post-deploy tasks and the smoke test on them.
 * If any region fails, every region rolls back every instance it changed. When approval is
 * required, the first batch of every region goes first as a canary (updated, verified, back in
 * service), and the rest waits at the approval gate; a rejection rolls the canaries back.
 */
export async function mutableDeploy(request: DeployRequest): Promise<DeployResult> {
  return runDeploy(request, async (run) => {
    await preflight(run);
    const fleets = await findLiveFleets(run);
    const plans = planRollouts(run, fleets);
    if (approvalRequired(run)) {
      const canaries = await rollOutInBatches(run, fleets, plans, { until: 1 });
      await waitForApproval(run, canaryWaiting(fleets, canaries));
      await rollOutInBatches(run, fleets, plans, { from: 1 });
    } else {
      await rollOutInBatches(run, fleets, plans);
    }
    return liveFleetResult(run, fleets);
  });
}
