import { CreateImageCommand, DescribeInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { Context } from '@temporalio/activity';
import { awsCall, hasAwsCode } from '../aws/errors';
import { findImageByName, waitUntilImageAvailable } from '../aws/images';
import { waitFor } from '../aws/wait';
import type { ActivityDeps } from './deps';
import { type BakeAmiInput, type BakeAmiOutput, ownershipTags, Roles, TagKeys } from '../contracts';

/**
 * Makes the image: stop the builder (the clean path: no reboot, consistent disk), CreateImage
 * under a name derived from the run, wait until available, tagged into the catalog. Looks the
 * name up first, so a resumed or retried bake finds the image it already started instead of
 * failing on `InvalidAMIName.Duplicate` or starting over.
 */
export function createBakeAmi({ clients, pollIntervalMs }: ActivityDeps) {
  return async function bakeAmi(input: BakeAmiInput): Promise<BakeAmiOutput> {
    const ec2 = clients.ec2(input.region);
    let image = await findImageByName(ec2, input.imageName);
    if (!image) {
      await stopBuilder(input, ec2, pollIntervalMs);
      const tags = ownershipTags(input.owner, Roles.image, {
        [TagKeys.baseImage]: input.baseImageId,
        [TagKeys.bakedAt]: new Date().toISOString(),
      }, input.userTags);
      try {
        const { ImageId } = await awsCall(`ec2:CreateImage ${input.imageName}`, () =>
          ec2.send(
            new CreateImageCommand({
              InstanceId: input.builderInstanceId,
              Name: input.imageName,
              Description: `${input.owner.app} ${input.owner.version} baked by ${input.owner.workflowId}`,
              TagSpecifications: [{ ResourceType: 'image', Tags: tags }],
            }),
          ),
        );
        image = { ImageId, Name: input.imageName };
      } catch (error) {
        // Another attempt won the race between our lookup and CreateImage: use its image.
        if (!hasAwsCode(error, 'InvalidAMIName.Duplicate')) throw error;
        image = await findImageByName(ec2, input.imageName);
        if (!image) throw error;
      }
    }
    Context.current().heartbeat({ imageId: image.ImageId });
    await waitUntilImageAvailable(ec2, input.region, image.ImageId!, input.timeouts.imageAvailable, pollIntervalMs);
    return { imageId: image.ImageId!, imageName: input.imageName };
  };
}

async function stopBuilder(input: BakeAmiInput, ec2: ReturnType<ActivityDeps['clients']['ec2']>, pollIntervalMs: number): Promise<void> {
  await awsCall(`ec2:StopInstances ${input.builderInstanceId}`, () => ec2.send(new StopInstancesCommand({ InstanceIds: [input.builderInstanceId] })));
  await waitFor({
    what: `builder ${input.builderInstanceId} to stop`,
    timeoutSeconds: input.timeouts.instanceRunning,
    pollIntervalMs,
    check: async () => {
      const { Reservations } = await awsCall('ec2:DescribeInstances', () =>
        ec2.send(new DescribeInstancesCommand({ InstanceIds: [input.builderInstanceId] })),
      );
      const state = Reservations?.[0]?.Instances?.[0]?.State?.Name;
      return { done: state === 'stopped', progress: { state } };
    },
  });
}
