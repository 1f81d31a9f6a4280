import { CopyImageCommand, CreateTagsCommand, DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { Context } from '@temporalio/activity';
import { awsCall } from '../aws/errors';
import { findImageByName, waitUntilImageAvailable } from '../aws/images';
import { clientToken } from '../aws/client-token';
import type { ActivityDeps } from './deps';
import { type CopyAmiInput, type CopyAmiOutput, ownershipTags, Roles, TagKeys } from '../contracts';

/**
 * Copies a baked image into another region under the same name and tags, and waits until it is
 * available there. The name lookup and the ClientToken make it safe to retry or resume: a copy
 * that is already under way is awaited, never started twice.
 */
export function createCopyAmi({ clients, pollIntervalMs }: ActivityDeps) {
  return async function copyAmi(input: CopyAmiInput): Promise<CopyAmiOutput> {
    const ec2 = clients.ec2(input.region);
    let imageId = (await findImageByName(ec2, input.imageName))?.ImageId;
    if (!imageId) {
      const copy = await awsCall(`ec2:CopyImage ${input.sourceImageId} ${input.sourceRegion} → ${input.region}`, () =>
        ec2.send(
          new CopyImageCommand({
            SourceRegion: input.sourceRegion,
            SourceImageId: input.sourceImageId,
            Name: input.imageName,
            Description: `${input.owner.app} ${input.owner.version} copied from ${input.sourceRegion}`,
            ClientToken: clientToken(input.owner, `copy/${input.region}`),
          }),
        ),
      );
      imageId = copy.ImageId!;
    }
    Context.current().heartbeat({ imageId });
    // Tags do not travel with a copy; the catalog needs them (base image, bake time…) in every region.
    const { Images } = await awsCall(`ec2:DescribeImages ${input.sourceImageId} in ${input.sourceRegion}`, () =>
      clients.ec2(input.sourceRegion).send(new DescribeImagesCommand({ ImageIds: [input.sourceImageId] })),
    );
    const catalog = Object.fromEntries((Images?.[0]?.Tags ?? []).filter((t) => t.Key?.startsWith('hybrid-deploy:')).map((t) => [t.Key!, t.Value ?? '']));
    const tags = ownershipTags(input.owner, Roles.image, { ...catalog, [TagKeys.sourceImage]: `${input.sourceRegion}/${input.sourceImageId}` }, input.userTags);
    await awsCall(`ec2:CreateTags ${imageId}`, () => ec2.send(new CreateTagsCommand({ Resources: [imageId!], Tags: tags })));
    await waitUntilImageAvailable(ec2, input.region, imageId, input.timeoutSeconds, pollIntervalMs);
    return { imageId };
  };
}
