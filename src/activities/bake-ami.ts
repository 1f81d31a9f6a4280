import { CreateImageCommand, DescribeInstancesCommand, StopInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { cancelledForGood, pause, untilListed } from '../aws/consistency';
import { awsCall, hasAwsCode } from '../aws/errors';
import { deregisterWithSnapshots, findImageByName, waitUntilImageAvailable } from '../aws/images';
import { waitFor } from '../aws/wait';
import { consistencyWindow, type ActivityDeps } from './deps';
import { type BakeAmiInput, type BakeAmiOutput, ownershipTags, Roles, TagKeys } from '../contracts';
import { heartbeat } from '../aws/heartbeat';

/**
 * Makes the image: stop the builder (the clean path: no reboot, consistent disk), CreateImage
 * under a name derived from the run — tagged at creation, image and snapshot alike, so no
 * CreateTags has to find a new id AWS does not show yet — and wait until it is available. Looks
 * the name up first, so a resumed or retried bake finds the image it already started instead of
 * starting over; an image the lookup cannot see yet is found through `InvalidAMIName.Duplicate`.
 * If the bake is cancelled after CreateImage, it deregisters the image (and its snapshot) itself.
 */
export function createBakeAmi(deps: ActivityDeps) {
  const { clients, pollIntervalMs } = deps;
  return async function bakeAmi(input: BakeAmiInput): Promise<BakeAmiOutput> {
    const ec2 = clients.ec2(input.region);
    const window = consistencyWindow(deps);
    const found = await findImageByName(ec2, input.imageName);
    let imageId = found?.ImageId;
    const madeAt = Date.now();
    if (!imageId) {
      await stopBuilder(input, ec2, pollIntervalMs);
      imageId = await createImage(input, ec2, window, pollIntervalMs);
    }
    heartbeat({ imageId });
    try {
      await waitUntilImageAvailable(ec2, { region: input.region, imageId, timeoutSeconds: input.timeouts.imageAvailable, pollIntervalMs, createdAt: madeAt, consistencyWindowMs: window });
    } catch (error) {
      if (cancelledForGood(error)) await deregisterWithSnapshots(ec2, input.region, imageId, { sinceMs: madeAt, windowMs: window }).catch(() => undefined);
      throw error;
    }
    return { imageId, imageName: input.imageName };
  };
}

/**
 * CreateImage, riding out two things AWS does: refusing it for a moment right after the builder
 * reached `stopped` (`InvalidParameterValue` "not in state 'running' or 'stopped'",
 * hashicorp/packer#9562), and an earlier attempt's image that a name lookup cannot see yet
 * (`InvalidAMIName.Duplicate`: it is found by name within the consistency window).
 */
async function createImage(input: BakeAmiInput, ec2: EC2Client, windowMs: number, pollIntervalMs: number): Promise<string> {
  const tags = ownershipTags(input.owner, Roles.image, { [TagKeys.baseImage]: input.baseImageId, [TagKeys.bakedAt]: new Date().toISOString(), ...(input.bakeKey ? { [TagKeys.bakeKey]: input.bakeKey } : {}) }, input.userTags);
  const started = Date.now();
  // Half a second first (AWS settles within seconds), or the poll interval when a faster world polls faster.
  for (let delay = Math.min(500, pollIntervalMs); ; delay = Math.min(delay * 2, 5_000)) {
    try {
      const { ImageId } = await awsCall(`ec2:CreateImage ${input.imageName}`, () =>
        ec2.send(
          new CreateImageCommand({
            InstanceId: input.builderInstanceId,
            Name: input.imageName,
            Description: `${input.owner.app} ${input.owner.version} baked by ${input.owner.workflowId}`,
            TagSpecifications: [
              { ResourceType: 'image', Tags: tags },
              { ResourceType: 'snapshot', Tags: tags },
            ],
          }),
        ),
      );
      return ImageId!;
    } catch (error) {
      if (hasAwsCode(error, 'InvalidAMIName.Duplicate')) return findOurs(input, ec2, windowMs);
      const stopRace = hasAwsCode(error, 'InvalidParameterValue') && /not in state/.test((error as Error).message);
      if (!stopRace || Date.now() - started >= windowMs) throw error;
      heartbeat({ waiting: `${input.builderInstanceId} to be imageable` });
      await pause(delay);
    }
  }
}

/** Another attempt won the race between our lookup and CreateImage: its image, once AWS lists it. */
function findOurs(input: BakeAmiInput, ec2: EC2Client, windowMs: number): Promise<string> {
  return untilListed(`image ${input.imageName} in ${input.region}`, windowMs, async () => (await findImageByName(ec2, input.imageName))?.ImageId);
}

async function stopBuilder(input: BakeAmiInput, ec2: EC2Client, pollIntervalMs: number): Promise<void> {
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
