import { DescribeImagesCommand, type EC2Client, type Image } from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/common';
import { awsCall } from './errors';
import { waitFor } from './wait';

/** The image of ours with this exact name in the client's region, if any (names are unique there). */
export async function findImageByName(ec2: EC2Client, name: string): Promise<Image | undefined> {
  const { Images } = await awsCall(`ec2:DescribeImages name=${name}`, () =>
    ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] })),
  );
  return Images?.find((image) => image.State !== 'deregistered');
}

/**
 * Waits, heartbeating, until an image is available. A `failed` image ends the wait with a
 * non-retryable `ImageFailed` carrying AWS's StateReason.
 */
export function waitUntilImageAvailable(ec2: EC2Client, region: string, imageId: string, timeoutSeconds: number, pollIntervalMs: number): Promise<void> {
  return waitFor<void>({
    what: `image ${imageId} in ${region} to be available`,
    timeoutSeconds,
    pollIntervalMs,
    checkpoint: { imageId },
    check: async () => {
      const { Images } = await awsCall(`ec2:DescribeImages ${imageId}`, () => ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] })));
      const image = Images?.[0];
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
