import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import { awsCall } from './aws/errors';
import { chunk } from './run-commands';
import type { ActivityDeps } from './deps';

/**
 * Sets tags on instances — after a mutable rollout or a rollback, the version tag follows the
 * release each instance runs, so the next deploy and the catalog read the truth. Idempotent.
 */
export function createTagInstances({ clients }: ActivityDeps) {
  return async function tagInstances(input: { region: string; instanceIds: string[]; tags: Record<string, string> }): Promise<void> {
    const Tags = Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value }));
    for (const batch of chunk(input.instanceIds, 1000)) {
      await awsCall(`ec2:CreateTags on ${batch.length} instance(s)`, () => clients.ec2(input.region).send(new CreateTagsCommand({ Resources: batch, Tags })));
    }
  };
}
