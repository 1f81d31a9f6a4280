import { DescribeInstancesCommand, RunInstancesCommand, type _InstanceType, type Instance } from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand } from '@aws-sdk/client-ssm';
import { ApplicationFailure } from '@temporalio/common';
import { awsCall } from '../aws/errors';
import { clientToken } from '../aws/client-token';
import { waitFor } from '../aws/wait';
import type { ActivityDeps } from './deps';
import { type LaunchInstancesInput, type LaunchInstancesOutput, ownershipTags } from '../contracts';

/** Spreads `count` instances over the subnets as evenly as possible. */
export function spreadOverSubnets(count: number, subnetIds: string[]): { subnetId: string; count: number }[] {
  return subnetIds
    .map((subnetId, index) => ({ subnetId, count: Math.floor(count / subnetIds.length) + (index < count % subnetIds.length ? 1 : 0) }))
    .filter((share) => share.count > 0);
}

/**
 * Launches instances (a builder or a fleet) and waits until each is running and its SSM agent is
 * online, so the next step can run commands on it. Idempotent: every RunInstances carries a
 * ClientToken derived from the run and the step, so a retry gets the same instances back.
 */
export function createLaunchInstances({ clients, pollIntervalMs }: ActivityDeps) {
  return async function launchInstances(input: LaunchInstancesInput): Promise<LaunchInstancesOutput> {
    const ec2 = clients.ec2(input.region);
    const tags = ownershipTags(input.owner, input.role, input.extraTags, input.userTags);
    const instanceIds: string[] = [];
    for (const [index, share] of spreadOverSubnets(input.count, input.subnetIds).entries()) {
      const token = clientToken(input.owner, `${input.region}/${input.step}/${index}`);
      const { Instances } = await awsCall(`ec2:RunInstances in ${input.region}`, () =>
        ec2.send(
          new RunInstancesCommand({
            ClientToken: token,
            ImageId: input.imageId,
            // The spec validates the shape; AWS knows the catalogue of types, and says so when one is wrong.
            InstanceType: input.instanceType as _InstanceType,
            MinCount: share.count,
            MaxCount: share.count,
            SubnetId: share.subnetId,
            SecurityGroupIds: input.securityGroupIds,
            IamInstanceProfile: input.iamInstanceProfile ? { Name: input.iamInstanceProfile } : undefined,
            TagSpecifications: [
              { ResourceType: 'instance', Tags: tags },
              { ResourceType: 'volume', Tags: tags },
            ],
          }),
        ),
      );
      instanceIds.push(...(Instances ?? []).map((instance) => instance.InstanceId!));
    }
    const checkpoint = { instanceIds };

    const running = await waitFor<Instance[]>({
      what: `${instanceIds.length} instance(s) in ${input.region} to be running`,
      timeoutSeconds: input.timeouts.instanceRunning,
      pollIntervalMs,
      checkpoint,
      check: async () => {
        const { Reservations } = await awsCall('ec2:DescribeInstances', () =>
          ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds })),
        );
        const instances = (Reservations ?? []).flatMap((r) => r.Instances ?? []);
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

    await waitFor({
      what: `the SSM agent of ${instanceIds.length} instance(s) in ${input.region} to be online`,
      timeoutSeconds: input.timeouts.agentOnline,
      pollIntervalMs,
      checkpoint,
      check: async () => {
        const online = new Set<string>();
        for (let i = 0; i < instanceIds.length; i += 50) {
          const { InstanceInformationList } = await awsCall('ssm:DescribeInstanceInformation', () =>
            clients.ssm(input.region).send(
              new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: instanceIds.slice(i, i + 50) }] }),
            ),
          );
          for (const info of InstanceInformationList ?? []) if (info.PingStatus === 'Online') online.add(info.InstanceId!);
        }
        const offline = instanceIds.filter((id) => !online.has(id));
        return { done: offline.length === 0, progress: { offline } };
      },
    });

    return { instances: running.map((i) => ({ instanceId: i.InstanceId!, privateIp: i.PrivateIpAddress! })) };
  };
}
