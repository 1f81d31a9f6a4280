import type { DeployRequest } from '../contracts';
import { launchAndVerify } from './blocks/launch-verify';
import { allOrCancel } from './blocks/parallel';
import { fleetResult, promote, retire } from './blocks/promote';
import { runDeploy } from './deploy-run';
import type { DeployResult } from './messages';

/**
 * Partially immutable: launch a fresh fleet in each region from the newest baked image in the
 * catalog, place the release on it with syncCode, run the post-deploy tasks and smoke test it;
 * then make every region live and retire the old fleets. No bake, no copy: minutes faster.
 * Every region's image is looked up first, so a region without one fails the deploy before
 * anything is launched.
 */
export async function partiallyImmutableDeploy(request: DeployRequest): Promise<DeployResult> {
  return runDeploy(request, async (run) => {
    const { spec, tools } = run;
    run.phase('resolving');
    const images = await Promise.all(spec.regions.map((region) => tools.findLatestImage({ region, app: spec.app })));
    images.forEach((image, i) => run.region(spec.regions[i], { phase: 'starting', imageId: image.imageId }));
    run.phase('launching');
    const fleets = await allOrCancel(
      spec.regions.map((region, i) => () => launchAndVerify(run, region, images[i].imageId, { placeRelease: true })),
    );
    await promote(run, fleets);
    run.compensations.commit();
    await retire(run, fleets);
    return fleetResult(run, fleets);
  });
}
