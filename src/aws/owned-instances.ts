import type { EC2Client } from '@aws-sdk/client-ec2';
import { TagKeys, type OwnedBy } from '../contracts';
import { EXISTING_STATES, listInstances } from './list-instances';

/** Live (pending, running, stopping or stopped) instances a run created in a role, found by tag. */
export async function ownedInstances(ec2: EC2Client, owner: OwnedBy): Promise<string[]> {
  return listInstances(
    ec2,
    'by owner',
    [
      { Name: `tag:${TagKeys.workflowId}`, Values: [owner.workflowId] },
      { Name: `tag:${TagKeys.runId}`, Values: [owner.runId] },
      { Name: `tag:${TagKeys.role}`, Values: [owner.role] },
      { Name: 'instance-state-name', Values: EXISTING_STATES },
    ],
    (instance) => instance.InstanceId!,
  );
}
