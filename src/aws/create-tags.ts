import { CreateTagsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { chunk } from './chunk';
import { awsCall } from './errors';

/** Sets tags on EC2 resources, at most 1,000 per call as CreateTags allows. Idempotent: values are overwritten. */
export async function createTags(ec2: EC2Client, resourceIds: string[], tags: Record<string, string>): Promise<void> {
  const Tags = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  for (const batch of chunk(resourceIds, 1000)) {
    await awsCall(`ec2:CreateTags on ${batch.join(', ').slice(0, 200)}`, () => ec2.send(new CreateTagsCommand({ Resources: batch, Tags })));
  }
}
