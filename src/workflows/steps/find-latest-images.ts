import type { CatalogImage } from '../../contracts';
import type { DeployRun } from '../deploy-run/deploy-run';

/**
 * The partial procedure's starting point: in every region, the newest image the immutable
 * procedure (or the nightly bake) baked for the app, from the image catalog. Every region is
 * looked up before anything is launched, so a region without an image fails the deploy first.
 */
export async function findLatestImages(run: DeployRun): Promise<CatalogImage[]> {
  const { spec, tools } = run;
  run.phase('resolving');
  const images = await Promise.all(spec.regions.map((region) => tools.findLatestImage({ region, app: spec.app }, `find the newest image of ${spec.app} in ${region}`)));
  images.forEach((image, i) => run.region(spec.regions[i], { phase: 'starting', imageId: image.imageId }));
  return images;
}
