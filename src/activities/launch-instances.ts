import { DescribeInstancesCommand, type _InstanceType, type Instance } from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/common';
import { awsCall } from '../aws/errors';
import { clientToken } from '../aws/client-token';
import { cancelledForGood, NOT_VISIBLE_YET, stillBecomingVisible } from '../aws/consistency';
import { placeShare } from '../aws/run-instances';
import { waitForAgents } from '../aws/ssm-registration';
import { sendTerminate } from '../aws/terminate';
import { waitFor } from '../aws/wait';
import { consistencyWindow, type ActivityDeps } from './deps';
import { type LaunchInstancesInput, type LaunchInstancesOutput, ownershipTags } from '../contracts';
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
      return { instances: running.map((i) => ({ instanceId: i.InstanceId!, privateIp: i.PrivateIpAddress! })) };
    } catch (error) {
      if (cancelledForGood(error) && instanceIds.length > 0) {
        await sendTerminate(ec2, input.region, instanceIds, consistencyWindow(deps), started).catch(() => undefined);
      }
      throw error;
    }
  };
}

/** Waits until every instance is running; one AWS does not show yet is "not yet" within the consistency window. */
function waitUntilRunning(deps: ActivityDeps, input: LaunchInstancesInput, instanceIds: string[], started: number): Promise<Instance[]> {
  const ec2 = deps.clients.ec2(input.region);
  return waitFor<Instance[]>({
    what: `${instanceIds.length} instance(s) in ${input.region} to be running`,
    timeoutSeconds: input.timeouts.instanceRunning,
    pollIntervalMs: deps.pollIntervalMs,
    checkpoint: { instanceIds },
    check: async () => {
      let instances: Instance[];
      try {
        const { Reservations } = await awsCall('ec2:DescribeInstances', () => ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds })));
        instances = (Reservations ?? []).flatMap((r) => r.Instances ?? []);
      } catch (error) {
        if (!stillBecomingVisible(error, [NOT_VISIBLE_YET.instance], started, consistencyWindow(deps))) throw error;
        return { done: false, progress: { visible: 'not yet' } };
      }
      const lost = instances.filter((i) => ['shutting-down', 'terminated', 'stopping', 'stopped'].includes(i.State?.Name ?? ''));
      if (lost.length > 0) {
        throw ApplicationFailure.create({
          type: 'InstanceLost',
          nonRetryable: true,
          message: `instance ${lost[0].InstanceId} went ${lost[0].State?.Name} while launching in ${input.region}: ${lost[0].StateReason?.Message ?? 'no reason given'}`,
        });
      }
      const states = Object.fromEntries(instances.map((i) => [i.InstanceId, i.State?.Name]));
      const done = instances.length === instanceIds.length && instances.every((i) => i.State?.Name === 'running');
      return { done, value: instances, progress: states };
    },
  });
}
