import { imageNameFor } from '../../contracts';
import type { DeployRun } from '../deploy-run/deploy-run';
import type { BakedImage } from './bake-image';

/** What the catalog holds for a bake: its key, and the image to reuse instead of baking, if any. */
export interface BakeLookup {
  bakeKey?: string;
  reused?: BakedImage;
}

/**
 * Before a bake: the bake key of what would go into the image (base image, bake section,
 * version, artifact sha256), and an available image of the catalog with the same key. The
 * image in the bake region is preferred; otherwise the newest one found is copied from where
 * it is. `--force-bake` looks the key up (the new image is tagged with it) but reuses nothing.
 */
export async function findReusableImage(run: DeployRun, baseImageId: string): Promise<BakeLookup> {
  const { spec, tools, request, owner } = run;
  const { bakeKey, matches, noKeyReason } = await tools.findReusableImage(
    {
      app: spec.app,
      regions: spec.regions,
      baseImageId,
      bake: { packages: spec.bake.packages, commands: spec.bake.commands, instanceType: spec.instanceType },
      version: request.version,
      artifact: request.artifact,
    },
    `look for an image of ${request.version} with the same bake key (${baseImageId}) in ${spec.regions.join(', ')}`,
  );
  if (noKeyReason) run.bakeKeyUnknown(noKeyReason);
  if (request.forceBake || matches.length === 0) return { bakeKey };
  const source = matches.find((m) => m.region === spec.regions[0]) ?? [...matches].sort((a, b) => b.bakedAt.localeCompare(a.bakedAt))[0];
  run.reuseImage(source);
  for (const match of matches) run.region(match.region, { imageId: match.imageId });
  return {
    bakeKey,
    reused: {
      region: source.region,
      imageId: source.imageId,
      imageName: imageNameFor(spec.app, request.version, owner.runId),
      existing: Object.fromEntries(matches.map((m) => [m.region, m.imageId])),
    },
  };
}
