import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { TagKeys, type OwnedBy } from '../contracts';
import { awsCall } from './errors';

/** Live (pending, running, stopping or stopped) instances a run created in a role, found by tag. */
export async function ownedInstances(ec2: EC2Client, owner: OwnedBy): Promise<string[]> {
  const ids: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await awsCall('ec2:DescribeInstances by owner', () =>
      ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: `tag:${TagKeys.workflowId}`, Values: [owner.workflowId] },
            { Name: `tag:${TagKeys.runId}`, Values: [owner.runId] },
            { Name: `tag:${TagKeys.role}`, Values: [owner.role] },
            { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
          ],
          NextToken,
        }),
      ),
    );
    ids.push(...(page.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId!));
    NextToken = page.NextToken;
  } while (NextToken);
  return ids;
}
