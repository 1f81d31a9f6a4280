import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { ApplicationFailure } from '@temporalio/common';
import { awsCall } from '../aws/errors';
import type { ActivityDeps } from './deps';
import type { ResolveBaseImageInput, ResolveBaseImageOutput } from '../contracts';

/**
 * Turns the spec's `baseImage` (an AMI id, or an SSM parameter such as the public
 * `/aws/service/ami-amazon-linux-latest/...`) into an available image id in one region.
 */
export function createResolveBaseImage({ clients }: ActivityDeps) {
  return async function resolveBaseImage(input: ResolveBaseImageInput): Promise<ResolveBaseImageOutput> {
    let imageId = input.baseImage;
    if (!imageId.startsWith('ami-')) {
      const { Parameter } = await awsCall(`ssm:GetParameter ${input.baseImage}`, () =>
        clients.ssm(input.region).send(new GetParameterCommand({ Name: input.baseImage })),
      );
      imageId = Parameter?.Value ?? '';
    }
    const { Images } = await awsCall(`ec2:DescribeImages ${imageId}`, () =>
      clients.ec2(input.region).send(new DescribeImagesCommand({ ImageIds: [imageId] })),
    );
    const image = Images?.[0];
    if (!image || image.State !== 'available') {
      throw ApplicationFailure.create({
        type: 'BaseImageUnavailable',
        nonRetryable: true,
        message: `base image ${input.baseImage} (${imageId}) is ${image?.State ?? 'missing'} in ${input.region}`,
      });
    }
    return { imageId };
  };
}
