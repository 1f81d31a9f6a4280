import { DeregisterImageCommand, DescribeImagesCommand, type EC2Client, type Image } from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/common';
import { NOT_VISIBLE_YET, pause, stillBecomingVisible } from './consistency';
import { awsCall, hasAwsCode } from './errors';
import { waitFor } from './wait';
import { heartbeat } from './heartbeat';

/**
 * The image of ours with this exact name in the client's region, if any (names are unique there).
 * A filter cannot see an image AWS does not show yet: callers that just made one use the id.
 */
export async function findImageByName(ec2: EC2Client, name: string): Promise<Image | undefined> {
  const { Images } = await awsCall(`ec2:DescribeImages name=${name}`, () =>
    ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] })),
  );
  return Images?.find((image) => image.State !== 'deregistered');
}

/** What waiting for an image needs. */
export interface ImageWait {
  region: string;
  imageId: string;
  timeoutSeconds: number;
  pollIntervalMs: number;
  /** The image was made at this time (epoch ms) by the caller: NotFound until the window has passed means "not yet". */
  createdAt: number;
  consistencyWindowMs: number;
}

/**
 * Waits, heartbeating, until an image is available. A `failed` image ends the wait with a
 * non-retryable `ImageFailed` carrying AWS's StateReason. A NotFound right after the image was
 * made is AWS not showing it yet (hashicorp/packer#2033, ansible/ansible#4368), not an error.
 */
export function waitUntilImageAvailable(ec2: EC2Client, wait: ImageWait): Promise<void> {
  const { region, imageId } = wait;
  return waitFor<void>({
    what: `image ${imageId} in ${region} to be available`,
    timeoutSeconds: wait.timeoutSeconds,
    pollIntervalMs: wait.pollIntervalMs,
    checkpoint: { imageId },
    check: async () => {
      let image: Image | undefined;
      try {
        const { Images } = await awsCall(`ec2:DescribeImages ${imageId}`, () => ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] })));
        image = Images?.[0];
      } catch (error) {
        if (!stillBecomingVisible(error, [NOT_VISIBLE_YET.image], wait.createdAt, wait.consistencyWindowMs)) throw error;
        return { done: false, progress: { state: 'not visible yet' } };
      }
      if (image?.State === 'failed' || image?.State === 'error' || image?.State === 'invalid') {
        throw ApplicationFailure.create({
          type: 'ImageFailed',
          nonRetryable: true,
          message: `image ${imageId} in ${region} ${image.State}: ${image.StateReason?.Code ?? ''} ${image.StateReason?.Message ?? 'no reason given'}`.trim(),
          details: [{ imageId, region, stateReason: image.StateReason }],
        });
      }
      return { done: image?.State === 'available', progress: { state: image?.State ?? 'not visible yet' } };
    },
  });
}

/**
 * Deregisters an image together with its snapshots (`DeleteAssociatedSnapshots`): a
 * deregistered image's snapshots otherwise stay behind, billed (EC2 API reference,
 * DeregisterImage). An image already gone is fine; one made a moment ago (`madeAt`) that AWS does
 * not show yet is waited for within the consistency window, so it is not left behind.
 */
export async function deregisterWithSnapshots(ec2: EC2Client, region: string, imageId: string, madeAt?: { sinceMs: number; windowMs: number }): Promise<void> {
  for (let delay = 250; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      await awsCall(`ec2:DeregisterImage ${imageId} in ${region}`, () => ec2.send(new DeregisterImageCommand({ ImageId: imageId, DeleteAssociatedSnapshots: true })));
      return;
    } catch (error) {
      if (!hasAwsCode(error, NOT_VISIBLE_YET.image)) throw error;
      if (!madeAt || !stillBecomingVisible(error, [NOT_VISIBLE_YET.image], madeAt.sinceMs, madeAt.windowMs)) return;
      heartbeat({ waiting: `${imageId} to become visible, to deregister it` });
      await pause(delay);
    }
  }
}
