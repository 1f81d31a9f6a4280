import { DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { awsCall, isAwsError } from './aws/errors';
import { TagKeys, type Role } from './aws/tags';
import { chunk } from './run-commands';
import { waitFor } from './aws/wait';
import type { ActivityDeps } from './deps';

/** Which instances to terminate: by id, or every live one a run created in a role (found by tag). */
export interface TerminateInstancesInput {
  region: string;
  instanceIds?: string[];
  ownedBy?: { workflowId: string; runId: string; role: Role };
  timeoutSeconds: number;
}

/**
 * Terminates instances (a builder, a failed new fleet, a retired old fleet) and waits until
 * they are gone. Instances already gone count as done, so it is safe to repeat. Selecting by
 * owner lets compensation find instances whose ids never reached the workflow (a launch cut
 * short by a crash or a cancellation).
 */
export function createTerminateInstances({ clients, pollIntervalMs }: ActivityDeps) {
  return async function terminateInstances(request: TerminateInstancesInput): Promise<{ terminated: string[] }> {
    const ec2 = clients.ec2(request.region);
    const instanceIds = [...(request.instanceIds ?? []), ...(request.ownedBy ? await ownedInstances(ec2, request.ownedBy) : [])];
    const input = { ...request, instanceIds: [...new Set(instanceIds)] };
    if (input.instanceIds.length === 0) return { terminated: [] };
    for (const batch of chunk(input.instanceIds, 500)) {
      await awsCall(`ec2:TerminateInstances in ${input.region}`, async () => {
        try {
          await ec2.send(new TerminateInstancesCommand({ InstanceIds: batch }));
        } catch (error) {
          // One unknown id fails the whole call; terminate the others one by one.
          if (!isAwsError(error, 'InvalidInstanceID.NotFound')) throw error;
          for (const id of batch) {
            await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] })).catch((e) => {
              if (!isAwsError(e, 'InvalidInstanceID.NotFound')) throw e;
            });
          }
        }
      });
    }
    await waitFor({
      what: `${input.instanceIds.length} instance(s) in ${input.region} to terminate`,
      timeoutSeconds: input.timeoutSeconds,
      pollIntervalMs,
      check: async () => {
        const { Reservations } = await awsCall('ec2:DescribeInstances', () =>
          ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: input.instanceIds }] })),
        );
        const alive = (Reservations ?? []).flatMap((r) => r.Instances ?? []).filter((i) => i.State?.Name !== 'terminated');
        return { done: alive.length === 0, progress: Object.fromEntries(alive.map((i) => [i.InstanceId, i.State?.Name])) };
      },
    });
    return { terminated: input.instanceIds };
  };
}

/** Live (pending, running, stopping or stopped) instances a run created in a role, found by tag. */
export async function ownedInstances(ec2: ReturnType<ActivityDeps['clients']['ec2']>, owner: NonNullable<TerminateInstancesInput['ownedBy']>): Promise<string[]> {
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
