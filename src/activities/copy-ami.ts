import { CopyImageCommand, DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { cancelledForGood } from '../aws/consistency';
import { awsCall } from '../aws/errors';
import { deregisterWithSnapshots, findImageByName, waitUntilImageAvailable } from '../aws/images';
import { clientToken } from '../aws/client-token';
import { consistencyWindow, type ActivityDeps } from './deps';
import { type CopyAmiInput, type CopyAmiOutput, ownershipTags, Roles, TagKeys } from '../contracts';
import { heartbeat } from '../aws/heartbeat';

/** The tags that describe an image's content, which a copy shares with its source. */
const CATALOG_TAGS: ReadonlySet<string> = new Set([TagKeys.baseImage, TagKeys.bakedAt, TagKeys.bakeKey]);

/**
 * Copies a baked image into another region under the same name and tags, and waits until it is
 * available there. Tags travel with the request (`TagSpecifications`, image and snapshot), never
 * by a CreateTags on the new id that AWS may not show yet (hashicorp/packer#2033). The name
 * lookup and the ClientToken make it safe to retry or resume: a copy already under way — even
 * one a lookup cannot see yet — is awaited, never started twice. If the copy is cancelled, it
 * deregisters what it started (image and snapshot) itself.
 */
export function createCopyAmi(deps: ActivityDeps) {
  const { clients, pollIntervalMs } = deps;
  return async function copyAmi(input: CopyAmiInput): Promise<CopyAmiOutput> {
    const ec2 = clients.ec2(input.region);
    const window = consistencyWindow(deps);
    let imageId = (await findImageByName(ec2, input.imageName))?.ImageId;
    const madeAt = Date.now();
    if (!imageId) {
      // Copies take no tags unless asked: the catalog's (base image, bake time, bake key) go with
      // the request; who made the copy is this run (its name says so), even when the source is
      // an older run's image being reused.
      const { Images } = await awsCall(`ec2:DescribeImages ${input.sourceImageId} in ${input.sourceRegion}`, () =>
        clients.ec2(input.sourceRegion).send(new DescribeImagesCommand({ ImageIds: [input.sourceImageId] })),
      );
      const catalog = Object.fromEntries((Images?.[0]?.Tags ?? []).filter((t) => CATALOG_TAGS.has(t.Key ?? '')).map((t) => [t.Key!, t.Value ?? '']));
      const tags = ownershipTags(input.owner, Roles.image, { ...catalog, [TagKeys.sourceImage]: `${input.sourceRegion}/${input.sourceImageId}` }, input.userTags);
      const copy = await awsCall(`ec2:CopyImage ${input.sourceImageId} ${input.sourceRegion} → ${input.region}`, () =>
        ec2.send(
          new CopyImageCommand({
            SourceRegion: input.sourceRegion,
            SourceImageId: input.sourceImageId,
            Name: input.imageName,
            Description: `${input.owner.app} ${input.owner.version} copied from ${input.sourceRegion}`,
            ClientToken: clientToken(input.owner, `copy/${input.region}`),
            TagSpecifications: [
              { ResourceType: 'image', Tags: tags },
              { ResourceType: 'snapshot', Tags: tags },
            ],
          }),
        ),
      );
      imageId = copy.ImageId!;
    }
    heartbeat({ imageId });
    try {
      await waitUntilImageAvailable(ec2, { region: input.region, imageId, timeoutSeconds: input.timeoutSeconds, pollIntervalMs, createdAt: madeAt, consistencyWindowMs: window });
    } catch (error) {
      if (cancelledForGood(error)) await deregisterWithSnapshots(ec2, input.region, imageId, { sinceMs: madeAt, windowMs: window }).catch(() => undefined);
      throw error;
    }
    return { imageId };
  };
}
