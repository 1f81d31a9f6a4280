import type { DeployRequest } from '../contracts';
import { runDeploy } from './deploy-run/deploy-run';
import { inEveryRegion } from './deploy-run/in-every-region';
import type { DeployResult } from './messages';
import { preflight } from './steps/preflight';
import { findLatestImages } from './steps/find-latest-images';
import { launchFleet } from './steps/launch-fleet';
import { goLive } from './steps/go-live';
import { placeRelease } from './steps/place-release';
import { runPostDeployTasks } from './steps/run-post-deploy-tasks';
import { newFleetsWaiting, waitForApproval } from './steps/wait-for-approval';

/**
 * Partially immutable: no bake, no copy — minutes faster.
 *  1. instantiate a fresh fleet in each region from the image the immutable procedure baked last;
 *  2. replace the application code on it with the new release;
 *  3. perform the post-deploy tasks (in the same command as step 2) and the smoke test on it;
 * then, once approved when approval is required, go live: every region at once, and the old fleets retired.
 */
export async function partiallyImmutableDeploy(request: DeployRequest): Promise<DeployResult> {
  return runDeploy(request, async (run) => {
    await preflight(run);
    const images = await findLatestImages(run);
    const fleets = await inEveryRegion(run, 'launching', async (region, i) => {
      const fleet = await launchFleet(run, region, images[i].imageId);
      const placed = await placeRelease(run, region, fleet.instances);
      await runPostDeployTasks(run, region, fleet.instances, { commandsRan: placed.postDeployRan });
      return fleet;
    });
    await waitForApproval(run, newFleetsWaiting(fleets));
    return goLive(run, fleets);
  });
}
