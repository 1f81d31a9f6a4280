import { createTags } from './aws/create-tags';
import type { ActivityDeps } from './deps';

/**
 * Sets tags on instances — after a mutable rollout or a rollback, the version tag follows the
 * release each instance runs, so the next deploy and the catalog read the truth. Idempotent.
 */
export function createTagInstances({ clients }: ActivityDeps) {
  return async function tagInstances(input: { region: string; instanceIds: string[]; tags: Record<string, string> }): Promise<void> {
    await createTags(clients.ec2(input.region), input.instanceIds, input.tags);
  };
}
