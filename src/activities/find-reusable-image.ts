import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { bakedAt } from '../aws/catalog';
import { awsCall } from '../aws/errors';
import { artifactDigest } from './artifact-digest';
import { bakeKeyOf } from './bake-key';
import type { ActivityDeps } from './deps';
import { type FindReusableImageInput, type FindReusableImageOutput, imageNameFor, type ReusableImage, Roles, TagKeys, tagValue } from '../contracts';

/**
 * Computes the bake key of a release (see {@link bakeKeyOf}) and looks in every region of the
 * spec for the newest available image of the app that carries it, so a bake of the same inputs
 * is skipped and only the missing regions get a copy. An image counts only if it is named as
 * hybrid-deploy names the images it bakes: a key tag alone on someone's image is not enough.
 */
export function createFindReusableImage({ clients }: ActivityDeps) {
  return async function findReusableImage(input: FindReusableImageInput): Promise<FindReusableImageOutput> {
    const digest = await artifactDigest(input.artifact);
    if ('unknown' in digest) return { noKeyReason: digest.unknown, matches: [] };
    const bakeKey = bakeKeyOf(input, digest.sha256);
    const matches = await Promise.all(
      input.regions.map(async (region): Promise<ReusableImage | undefined> => {
        const { Images } = await awsCall(`ec2:DescribeImages bake key of ${input.app} in ${region}`, () =>
          clients.ec2(region).send(
            new DescribeImagesCommand({
              Owners: ['self'],
              Filters: [
                { Name: `tag:${TagKeys.app}`, Values: [input.app] },
                { Name: `tag:${TagKeys.role}`, Values: [Roles.image] },
                { Name: `tag:${TagKeys.bakeKey}`, Values: [bakeKey] },
                { Name: 'state', Values: ['available'] },
              ],
            }),
          ),
        );
        const ours = (Images ?? []).filter((image) => {
          const runId = tagValue(image.Tags, TagKeys.runId);
          return !!runId && image.Name === imageNameFor(input.app, input.version, runId);
        });
        const newest = ours.sort((a, b) => bakedAt(b).localeCompare(bakedAt(a)))[0];
        if (!newest) return undefined;
        return {
          region,
          imageId: newest.ImageId!,
          imageName: newest.Name!,
          bakedAt: bakedAt(newest),
          bakedBy: `${tagValue(newest.Tags, TagKeys.workflowId) ?? '?'} run ${tagValue(newest.Tags, TagKeys.runId) ?? '?'}`,
        };
      }),
    );
    return { bakeKey, matches: matches.filter((m): m is ReusableImage => m !== undefined) };
  };
}
