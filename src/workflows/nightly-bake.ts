import type { DeployRequest } from '../contracts';
import { runDeploy } from './deploy-run/deploy-run';
import { inEveryRegion } from './deploy-run/in-every-region';
import { imageResult } from './deploy-run/results';
import type { DeployResult } from './messages';
import { preflight } from './steps/preflight';
import { bakeImage, builderGone } from './steps/bake-image';
import { copyImage } from './steps/copy-image';
import { findLiveRelease } from './steps/find-live-release';

/**
 * The immutable procedure's first step alone: bake the image and copy it to every region,
 * recording it in the image catalog (its tags), so partial deploys always start from a fresh,
 * patched base image. Runs from a Temporal Schedule (`hybrid-deploy bake --schedule …`); touches
 * no fleet. By default a scheduled bake follows the release: it first finds the version live in
 * the environment (`request.liveRelease`), so every night's image holds what runs, on the newest
 * base image. On failure the builder is terminated and every image it made is deregistered.
 */
export async function nightlyBake(request: DeployRequest): Promise<DeployResult> {
  return runDeploy(request, async (run) => {
    await preflight(run);
    if (request.liveRelease) await findLiveRelease(run, request.liveRelease);
    const image = await bakeImage(run);
    const imageIds = await inEveryRegion(run, 'copying', (region) => copyImage(run, image, region));
    await builderGone(image);
    run.pointOfNoReturn();
    run.spec.regions.forEach((region) => run.region(region, { phase: 'done' }));
    return imageResult(run, imageIds);
  });
}
