import type { DeployRun } from '../deploy-run/deploy-run';
import type { BakedImage } from './bake-image';

/**
 * The immutable procedure's copy step: the baked image, copied into `region` under the same
 * name (every region's copy runs at once, as soon as the bake is done). The bake region needs no
 * copy, nor does a region that already holds a reused image with the same bake key. The undo step deregisters the copy, found by name, so a copy whose id never reached the
 * workflow is found too.
 */
export async function copyImage(run: DeployRun, image: BakedImage, region: string): Promise<string> {
  if (region === image.region) return image.imageId;
  const existing = image.existing?.[region];
  if (existing) return existing;
  const { tools, owner, spec, compensations } = run;
  run.region(region, { phase: 'copying' });
  compensations.add(`deregister image ${image.imageName} in ${region}`, () =>
    tools.deregisterImage({ region, imageName: image.imageName }, `undo: deregister image ${image.imageName} in ${region}`),
  );
  const { imageId } = await tools.copyAmi({
    sourceRegion: image.region,
    sourceImageId: image.imageId,
    region,
    imageName: image.imageName,
    owner,
    userTags: spec.tags,
    timeoutSeconds: spec.timeouts.copyAvailable,
  }, `copy ${image.imageId} ${image.region} → ${region}`);
  run.region(region, { imageId });
  return imageId;
}
