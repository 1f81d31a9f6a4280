import { DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { awsCall, hasAwsCode } from '../aws/errors';
import { findCatalogImage } from '../aws/catalog';
import type { Findings } from './problems';

/** The spec's `baseImage` resolves to an available image in the region (AMI id, or SSM parameter). */
export async function checkBaseImage(findings: Findings, clients: { ec2: EC2Client; ssm: SSMClient }, region: string, baseImage: string): Promise<void> {
  await findings.check('baseImage', `base image ${baseImage} in ${region}`, async () => {
    let imageId = baseImage;
    if (!baseImage.startsWith('ami-')) {
      try {
        const { Parameter } = await awsCall(`ssm:GetParameter ${baseImage}`, () => clients.ssm.send(new GetParameterCommand({ Name: baseImage })));
        imageId = Parameter?.Value ?? '';
      } catch (error) {
        if (!hasAwsCode(error, 'ParameterNotFound')) throw error;
        return findings.problem('baseImage', `SSM parameter ${baseImage} does not exist in ${region}: name an existing parameter (e.g. /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64) or an AMI id`);
      }
    }
    try {
      const { Images } = await awsCall(`ec2:DescribeImages ${imageId}`, () => clients.ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] })));
      const state = Images?.[0]?.State;
      if (state !== 'available') findings.problem('baseImage', `${baseImage} (${imageId}) is ${state ?? 'missing'} in ${region}: use an available image`);
    } catch (error) {
      if (!hasAwsCode(error, 'InvalidAMIID.NotFound', 'InvalidAMIID.Malformed')) throw error;
      findings.problem('baseImage', `${baseImage} (${imageId}) does not exist in ${region}: AMI ids are per region; use this region's id, or an SSM parameter that resolves in every region`);
    }
  });
}

/** A partial deploy starts from the image catalog: the app needs an available baked image in the region. */
export async function checkCatalog(findings: Findings, ec2: EC2Client, region: string, app: string, index: number): Promise<void> {
  await findings.check(`regions[${index}]`, `the image catalog of ${app} in ${region}`, async () => {
    if (!(await findCatalogImage(ec2, app))) {
      findings.problem(`regions[${index}]`, `no baked image of ${app} is available in ${region}: a partial deploy launches from one; run an immutable deploy (or hybrid-deploy bake) first`);
    }
  });
}
