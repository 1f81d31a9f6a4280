import { DescribeLaunchTemplatesCommand, DescribeLaunchTemplateVersionsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { allPages } from '../aws/pages';
import { EXISTING_STATES, listInstances } from '../aws/list-instances';
import { awsCall } from '../aws/errors';

/**
 * Why each image in a region is in use, by image id: launched by an instance that still exists
 * (pending, running, stopping or stopped: a stopped instance needs its image to start again —
 * anyone's instance, not only ours), or named by a launch template version (an Auto Scaling
 * group or a person may launch from it tomorrow). An image in use is never deregistered.
 */
export async function imagesInUse(ec2: EC2Client, region: string): Promise<Map<string, string>> {
  const inUse = new Map<string, string>();
  const instances = await listInstances(ec2, `every instance in ${region}`, [{ Name: 'instance-state-name', Values: EXISTING_STATES }], (instance) => ({
    id: instance.InstanceId,
    imageId: instance.ImageId,
    state: instance.State?.Name,
  }));
  for (const instance of instances) {
    if (instance.imageId && !inUse.has(instance.imageId)) inUse.set(instance.imageId, `launched by ${instance.id} (${instance.state ?? 'unknown state'})`);
  }
  const templates = await allPages(
    (NextToken) => awsCall(`ec2:DescribeLaunchTemplates in ${region}`, () => ec2.send(new DescribeLaunchTemplatesCommand({ MaxResults: 200, NextToken }))),
    (page) => page.LaunchTemplates,
  );
  for (const template of templates) {
    const versions = await allPages(
      (NextToken) =>
        awsCall(`ec2:DescribeLaunchTemplateVersions ${template.LaunchTemplateId}`, () =>
          ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: template.LaunchTemplateId, MaxResults: 200, NextToken })),
        ),
      (page) => page.LaunchTemplateVersions,
    );
    for (const version of versions) {
      const imageId = version.LaunchTemplateData?.ImageId;
      if (imageId && !inUse.has(imageId)) inUse.set(imageId, `named by launch template ${template.LaunchTemplateName ?? template.LaunchTemplateId} version ${version.VersionNumber}`);
    }
  }
  return inUse;
}
