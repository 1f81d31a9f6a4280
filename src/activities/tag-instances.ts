import { createTags } from '../aws/create-tags';
import type { ActivityDeps } from './deps';
import type { TagInstancesInput, TagInstancesOutput } from '../contracts';

/**
 * Sets tags on instances — after a mutable rollout or a rollback, the version tag follows the
 * release each instance runs, so the next deploy and the catalog read the truth. Idempotent.
 */
export function createTagInstances({ clients }: ActivityDeps) {
  return async function tagInstances(input: TagInstancesInput): Promise<TagInstancesOutput> {
    await createTags(clients.ec2(input.region), input.instanceIds, input.tags);
    return { tagged: input.instanceIds };
  };
}
