import { DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { awsCall, isAwsError } from '../aws/errors';
import { chunk } from '../aws/chunk';
import { waitFor } from '../aws/wait';
import type { ActivityDeps } from './deps';
import type { TerminateInstancesInput, TerminateInstancesOutput } from '../contracts';
import { ownedInstances } from '../aws/owned-instances';

/**
 * Terminates instances (a builder, a failed new fleet, a retired old fleet) and waits until
 * they are gone. Instances already gone count as done, so it is safe to repeat. Selecting by
 * owner lets compensation find instances whose ids never reached the workflow (a launch cut
 * short by a crash or a cancellation).
 */
export function createTerminateInstances({ clients, pollIntervalMs }: ActivityDeps) {
  return async function terminateInstances(request: TerminateInstancesInput): Promise<TerminateInstancesOutput> {
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
