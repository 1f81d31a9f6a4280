import type { DeployRequest } from '../contracts';
import { runDeploy } from './deploy-run/deploy-run';
import { inEveryRegion } from './deploy-run/in-every-region';
import type { DeployResult } from './messages';
import { preflight } from './steps/preflight';
import { bakeImage, builderGone } from './steps/bake-image';
import { copyImage } from './steps/copy-image';
import { launchFleet } from './steps/launch-fleet';
import { goLive } from './steps/go-live';
import { runPostDeployTasks } from './steps/run-post-deploy-tasks';
import { newFleetsWaiting, waitForApproval } from './steps/wait-for-approval';

/**
 * Fully immutable:
 *  1. bake an image holding the release (in the first region), and copy it to the others
 *     (the builder terminates beside the copies, gone before anything goes live);
 *  2. in each region, as soon as its image is there, instantiate a fresh fleet from it;
 *  3. perform the post-deploy tasks and the smoke test on it;
 * then, once approved when approval is required, go live: every region at once, and the old fleets retired.
 */
export async function fullyImmutableDeploy(request: DeployRequest): Promise<DeployResult> {
  return runDeploy(request, async (run) => {
    await preflight(run);
    const image = await bakeImage(run);
    const fleets = await inEveryRegion(run, 'launching', async (region) => {
      const imageId = await copyImage(run, image, region);
      const fleet = await launchFleet(run, region, imageId);
      await runPostDeployTasks(run, region, fleet.instances);
      return fleet;
    });
    await builderGone(image);
    await waitForApproval(run, newFleetsWaiting(fleets));
    return goLive(run, fleets);
  });
}
