import { DescribeImagesCommand, type Image } from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/common';
import { awsCall } from '../aws/errors';
import type { ActivityDeps } from './deps';
import { type FindLatestImageInput, type FindLatestImageOutput, Roles, TagKeys, tagValue } from '../contracts';

/** When an image was baked: its catalog tag, or its creation date for an untagged copy. */
function bakedAt(image: Image): string {
  return tagValue(image.Tags, TagKeys.bakedAt) ?? image.CreationDate ?? '';
}

/**
 * The image catalog's answer: the newest available image baked for an app in a region (every
 * bake tags its images with app, version, base image, bake time and workflow id). With none,
 * fails fast — non-retryable, naming the region and suggesting a bake.
 */
export function createFindLatestImage({ clients }: ActivityDeps) {
  return async function findLatestImage(input: FindLatestImageInput): Promise<FindLatestImageOutput> {
    const { Images } = await awsCall(`ec2:DescribeImages catalog of ${input.app}`, () =>
      clients.ec2(input.region).send(
        new DescribeImagesCommand({
          Owners: ['self'],
          Filters: [
            { Name: `tag:${TagKeys.app}`, Values: [input.app] },
            { Name: `tag:${TagKeys.role}`, Values: [Roles.image] },
            { Name: 'state', Values: ['available'] },
          ],
        }),
      ),
    );
    const newest = (Images ?? []).sort((a, b) => bakedAt(b).localeCompare(bakedAt(a)))[0];
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
