import { DescribeImagesCommand, type EC2Client, type Image } from '@aws-sdk/client-ec2';
import { Roles, TagKeys, tagValue } from '../contracts';
import { awsCall } from './errors';

/** When an image was baked: its catalog tag, or its creation date for an untagged copy. */
export function bakedAt(image: Image): string {
  return tagValue(image.Tags, TagKeys.bakedAt) ?? image.CreationDate ?? '';
}

/**
 * The image catalog's answer: the newest available image baked for an app in the client's
 * region (every bake tags its images with app, version, base image, bake time and workflow id).
 */
export async function findCatalogImage(ec2: EC2Client, app: string): Promise<Image | undefined> {
  const { Images } = await awsCall(`ec2:DescribeImages catalog of ${app}`, () =>
    ec2.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [
          { Name: `tag:${TagKeys.app}`, Values: [app] },
          { Name: `tag:${TagKeys.role}`, Values: [Roles.image] },
          { Name: 'state', Values: ['available'] },
        ],
      }),
    ),
  );
  return (Images ?? []).sort((a, b) => bakedAt(b).localeCompare(bakedAt(a)))[0];
}
