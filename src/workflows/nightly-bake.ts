import type { DeployRequest } from '../contracts';
import { bakeImage, imageInRegion } from './blocks/bake-image';
import { allOrCancel } from './blocks/parallel';
import { runDeploy } from './deploy-run';
import type { DeployResult } from './messages';

/**
 * The bake and the region copies alone, recording the images in the catalog (their tags), so
 * partial deploys always start from a fresh, patched base image. Meant to run from a Temporal
 * Schedule (`hybrid-deploy bake --schedule "0 3 * * *"`); touches no fleet. On failure the
 * builder is terminated and every image it made is deregistered, as in a deploy.
 */
export async function nightlyBake(request: DeployRequest): Promise<DeployResult> {
  return runDeploy(request, async (run) => {
    const { spec } = run;
    const baked = await bakeImage(run);
    run.phase('copying');
    const imageIds = await allOrCancel(spec.regions.map((region) => () => imageInRegion(run, region, baked)));
    run.compensations.commit();
    spec.regions.forEach((region) => run.region(region, { phase: 'done' }));
    return {
      procedure: request.procedure,
      app: spec.app,
      env: request.env,
      version: request.version,
      regions: spec.regions.map((region, i) => ({ region, imageId: imageIds[i], instanceIds: [], retiredInstanceIds: [] })),
    };
  });
}
