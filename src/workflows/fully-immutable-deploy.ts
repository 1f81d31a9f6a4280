import type { DeployRequest } from '../contracts';
import { bakeImage, imageInRegion } from './blocks/bake-image';
import { launchAndVerify } from './blocks/launch-verify';
import { allOrCancel } from './blocks/parallel';
import { fleetResult, promote, retire } from './blocks/promote';
import { runDeploy } from './deploy-run';
import type { DeployResult } from './messages';

/**
 * Fully immutable: bake an image with the release in the first region, copy it to the others,
 * and in each region — as soon as its image is available — launch a fresh fleet, run the
 * post-deploy tasks and smoke test it; then make every region live and retire the old fleets.
 */
export async function fullyImmutableDeploy(request: DeployRequest): Promise<DeployResult> {
  return runDeploy(request, async (run) => {
    const { spec } = run;
    const baked = await bakeImage(run);
    run.phase('launching');
    const fleets = await allOrCancel(
      spec.regions.map((region) => async () => launchAndVerify(run, region, await imageInRegion(run, region, baked), { placeRelease: false })),
    );
    await promote(run, fleets);
    // Every region serves the new version: from here on, failing means retrying, not undoing.
    run.compensations.commit();
    await retire(run, fleets);
    return fleetResult(run, fleets);
  });
}
