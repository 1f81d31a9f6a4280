import { ApplicationFailure } from '@temporalio/common';
import { bakedAt, findCatalogImage } from '../aws/catalog';
import type { ActivityDeps } from './deps';
import { type FindLatestImageInput, type FindLatestImageOutput, TagKeys, tagValue } from '../contracts';

/**
 * The image catalog's answer: the newest available image baked for an app in a region. With
 * none, fails fast — non-retryable, naming the region and suggesting a bake.
 */
export function createFindLatestImage({ clients }: ActivityDeps) {
  return async function findLatestImage(input: FindLatestImageInput): Promise<FindLatestImageOutput> {
    const newest = await findCatalogImage(clients.ec2(input.region), input.app);
    if (!newest) {
      throw ApplicationFailure.create({
        type: 'NoImageInCatalog',
        nonRetryable: true,
        message: `no baked image of ${input.app} is available in ${input.region}: run an immutable deploy (or the nightly bake) first, then retry the partial deploy`,
      });
    }
    return { imageId: newest.ImageId!, imageName: newest.Name ?? '', version: tagValue(newest.Tags, TagKeys.version) ?? '', bakedAt: bakedAt(newest) };
  };
}
