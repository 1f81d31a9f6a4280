import { DescribeInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { createTags } from '../aws/create-tags';
import { awsCall } from '../aws/errors';
import { waitFor } from '../aws/wait';
import type { ActivityDeps } from './deps';
import { ownedInstances } from '../aws/owned-instances';
import type { KeepInstancesInput, KeepInstancesOutput } from '../contracts';

/**
 * The debugging alternative to terminating a failed builder: tags it (with an expiry the reaper
 * honours) and stops it, so it costs only its disk while someone inspects it. Idempotent: tags
 * are overwritten, instances already stopped are left alone.
 */
export function createKeepInstances(deps: ActivityDeps) {
  const { clients, pollIntervalMs } = deps;
  return async function keepInstances(input: KeepInstancesInput): Promise<KeepInstancesOutput> {
    const ec2 = clients.ec2(input.region);
    const ids = [...new Set([...(input.instanceIds ?? []), ...(input.ownedBy ? await ownedInstances(ec2, input.ownedBy) : [])])];
    if (ids.length === 0) return { kept: [] };
    await createTags(ec2, ids, input.tags);
    await waitFor({
      what: `${ids.join(', ')} in ${input.region} to stop`,
      timeoutSeconds: input.timeoutSeconds,
      pollIntervalMs,
      check: async () => {
        const { Reservations } = await awsCall('ec2:DescribeInstances', () => ec2.send(new DescribeInstancesCommand({ InstanceIds: ids })));
        const instances = (Reservations ?? []).flatMap((r) => r.Instances ?? []);
        // Only a running instance can be stopped; a pending one is stopped once it runs.
        const running = instances.filter((i) => i.State?.Name === 'running').map((i) => i.InstanceId!);
        if (running.length > 0) await awsCall(`ec2:StopInstances ${running.join(', ')}`, () => ec2.send(new StopInstancesCommand({ InstanceIds: running })));
        const notStopped = instances.filter((i) => !['stopped', 'terminated'].includes(i.State?.Name ?? ''));
        return { done: notStopped.length === 0, progress: Object.fromEntries(notStopped.map((i) => [i.InstanceId, i.State?.Name])) };
      },
    });
    return { kept: ids };
  };
}
