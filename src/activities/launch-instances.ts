import { DescribeInstancesCommand, type _InstanceType } from '@aws-sdk/client-ec2';
import { chunk } from '../aws/chunk';
import { INSTANCES_PER_PAGE } from '../aws/list-instances';
import { ApplicationFailure } from '@temporalio/common';
import { awsCall } from '../aws/errors';
import { clientToken } from '../aws/client-token';
import { cancelledForGood, NOT_VISIBLE_YET, stillBecomingVisible } from '../aws/consistency';
import { placeShare } from '../aws/run-instances';
import { waitForAgents } from '../aws/ssm-registration';
import { sendTerminate } from '../aws/terminate';
import { waitFor } from '../aws/wait';
import { consistencyWindow, type ActivityDeps } from './deps';
import { type InstanceRef, type LaunchInstancesInput, type LaunchInstancesOutput, ownershipTags } from '../contracts';
import { heartbeat } from '../aws/heartbeat';

/** Spreads `count` instances over the subnets as evenly as possible. */
export function spreadOverSubnets(count: number, subnetIds: string[]): { subnetId: string; count: number }[] {
  return subnetIds
    .map((subnetId, index) => ({ subnetId, count: Math.floor(count / subnetIds.length) + (index < count % subnetIds.length ? 1 : 0) }))
    .filter((share) => share.count > 0);
}

/**
 * Launches instances (a builder or a fleet) and waits until each is running and its SSM agent is
 * online, so the next step can run commands on it. Idempotent: every RunInstances carries a
 * ClientToken derived from the run and the step, so a retry gets the same instances back. A zone
 * without capacity is left for another subnet of the spec (see `placeShare`). A new instance that
 * AWS does not show yet is waited for, within the consistency window. An agent that cannot
 * register (no instance profile, or one without SSM) fails the launch at once, with the fix. If the
 * launch is cancelled, it terminates what it launched itself: by id, which works even while a tag
 * filter cannot see the instances yet.
 */
export function createLaunchInstances(deps: ActivityDeps) {
  const { clients, pollIntervalMs } = deps;
  return async function launchInstances(input: LaunchInstancesInput): Promise<LaunchInstancesOutput> {
    const ec2 = clients.ec2(input.region);
    const started = Date.now();
    const tags = ownershipTags(input.owner, input.role, input.extraTags, input.userTags);
    const instanceIds: string[] = [];
    const checkpoint = { instanceIds };
    try {
      for (const [index, share] of spreadOverSubnets(input.count, input.subnetIds).entries()) {
        const ids = await placeShare(
          ec2,
          { ...share, clientToken: clientToken(input.owner, `${input.region}/${input.step}/${index}`) },
          {
            region: input.region,
            subnetIds: input.subnetIds,
            deadline: started + input.timeouts.instanceRunning * 1000,
            checkpoint,
            request: {
              ImageId: input.imageId,
              // The spec validates the shape; AWS knows the catalogue of types, and says so when one is wrong.
              InstanceType: input.instanceType as _InstanceType,
              SecurityGroupIds: input.securityGroupIds,
              IamInstanceProfile: input.iamInstanceProfile ? { Name: input.iamInstanceProfile } : undefined,
              TagSpecifications: [
                { ResourceType: 'instance', Tags: tags },
                { ResourceType: 'volume', Tags: tags },
              ],
            },
          },
        );
        instanceIds.push(...ids);
        heartbeat(checkpoint);
      }
      const running = await waitUntilRunning(deps, input, instanceIds, started);
      await waitForAgents({
        region: input.region,
        instanceIds,
        timeoutSeconds: input.timeouts.agentOnline,
        pollIntervalMs,
        clients: { ec2, ssm: clients.ssm(input.region), iam: clients.iam(input.region) },
        checkpoint,
      });
      return { instances: running };
    } catch (error) {
      if (cancelledForGood(error) && instanceIds.length > 0) {
        await sendTerminate(ec2, input.region, instanceIds, consistencyWindow(deps), started).catch(() => undefined);
      }
      throw error;
    }
  };
}

/**
 * Waits until every instance is running; one AWS does not show yet is "not yet" within the
 * consistency window. Each look describes only the instances not seen running yet, a page at a
 * time, and keeps of each only its id and private IP: a thousand full descriptions per look
 * would parse into tens of MB of the worker's memory, and a running instance's address does not
 * change. When the last turns running, those seen running at earlier looks are described once
 * more, so one that has gone since (terminated, stopped) fails the launch as it always did.
 * The heartbeat's progress is a count per state, not a line per instance.
 */
function waitUntilRunning(deps: ActivityDeps, input: LaunchInstancesInput, instanceIds: string[], started: number): Promise<InstanceRef[]> {
  const ec2 = deps.clients.ec2(input.region);
  const running = new Map<string, InstanceRef>();
  /** Describes `ids` a page at a time; throws InstanceLost for one that has gone; the count of each other state. */
  const look = async (ids: string[]): Promise<Record<string, number>> => {
    const states: Record<string, number> = {};
    for (const batch of chunk(ids, INSTANCES_PER_PAGE)) {
      const { Reservations } = await awsCall('ec2:DescribeInstances', () => ec2.send(new DescribeInstancesCommand({ InstanceIds: batch })));
      for (const instance of (Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        const state = instance.State?.Name ?? 'unknown';
        if (['shutting-down', 'terminated', 'stopping', 'stopped'].includes(state)) {
          throw ApplicationFailure.create({
            type: 'InstanceLost',
            nonRetryable: true,
            message: `instance ${instance.InstanceId} went ${state} while launching in ${input.region}: ${instance.StateReason?.Message ?? 'no reason given'}`,
          });
        }
        if (state === 'running') running.set(instance.InstanceId!, { instanceId: instance.InstanceId!, privateIp: instance.PrivateIpAddress! });
        else states[state] = (states[state] ?? 0) + 1;
      }
    }
    return states;
  };
  return waitFor<InstanceRef[]>({
    what: `${instanceIds.length} instance(s) in ${input.region} to be running`,
    timeoutSeconds: input.timeouts.instanceRunning,
    pollIntervalMs: deps.pollIntervalMs,
    checkpoint: { instanceIds },
    check: async () => {
      const seenBefore = instanceIds.filter((id) => running.has(id));
      let states: Record<string, number>;
      let done: boolean;
      try {
        states = await look(instanceIds.filter((id) => !running.has(id)));
        done = running.size === instanceIds.length;
        if (done && seenBefore.length > 0) await look(seenBefore);
      } catch (error) {
        if (!stillBecomingVisible(error, [NOT_VISIBLE_YET.instance], started, consistencyWindow(deps))) throw error;
        return { done: false, progress: { running: running.size, of: instanceIds.length, visible: 'not yet' } };
      }
      return { done, value: instanceIds.map((id) => running.get(id)!), progress: { running: running.size, of: instanceIds.length, ...states } };
    },
  });
}
