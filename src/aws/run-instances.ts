import { RunInstancesCommand, type EC2Client, type RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/common';
import { pause } from './consistency';
import { awsCall, hasAwsCode } from './errors';
import { heartbeat } from './heartbeat';

/** One RunInstances of a launch: how many, where it would like to go, and its idempotency token. */
export interface LaunchShare {
  count: number;
  /** The subnet it is spread to; the spec's other subnets are the fallbacks. */
  subnetId: string;
  clientToken: string;
}

export interface PlaceOptions {
  region: string;
  /** Every subnet of the spec in this region, in order. */
  subnetIds: string[];
  /** RunInstances parameters shared by every share (no count, subnet or token). */
  request: Omit<RunInstancesCommandInput, 'MinCount' | 'MaxCount' | 'SubnetId' | 'ClientToken'>;
  /** Give up waiting for capacity at this time (epoch ms). */
  deadline: number;
  /** Merged into heartbeats while waiting for capacity. */
  checkpoint?: Record<string, unknown>;
}

/**
 * Launches one share, trying its own subnet first and then the spec's others. Capacity is per
 * zone and usually short-lived (`InsufficientInstanceCapacity`): another zone often has it, and
 * if none has, the launch waits (heartbeating, 5 s doubling to a minute) and tries every subnet
 * again, until `deadline`. The ClientToken stays the same across subnets: a failed RunInstances
 * binds no token, and one that succeeded answers `IdempotentParameterMismatch` for any other
 * subnet, so a retried attempt walks on to the subnet that took it and gets the same instances
 * back instead of launching twice.
 */
export async function placeShare(ec2: EC2Client, share: LaunchShare, options: PlaceOptions): Promise<string[]> {
  const order = [share.subnetId, ...options.subnetIds.filter((s) => s !== share.subnetId)];
  for (let delay = 5_000; ; delay = Math.min(delay * 2, 60_000)) {
    const refusals: string[] = [];
    for (const subnetId of order) {
      try {
        const { Instances } = await awsCall(`ec2:RunInstances in ${options.region} (${subnetId})`, () =>
          ec2.send(new RunInstancesCommand({ ...options.request, MinCount: share.count, MaxCount: share.count, SubnetId: subnetId, ClientToken: share.clientToken })),
        );
        return (Instances ?? []).map((i) => i.InstanceId!);
      } catch (error) {
        if (hasAwsCode(error, 'InsufficientInstanceCapacity')) refusals.push(`${subnetId}: no capacity`);
        else if (hasAwsCode(error, 'IdempotentParameterMismatch')) refusals.push(`${subnetId}: the launch went elsewhere`);
        else throw error;
      }
    }
    if (refusals.every((r) => r.endsWith('went elsewhere'))) {
      throw ApplicationFailure.create({
        type: 'IdempotentParameterMismatch',
        nonRetryable: true,
        message: `RunInstances with token ${share.clientToken} in ${options.region} was made earlier with other parameters than any subnet of the spec now gives; was the spec changed under a running deploy?`,
      });
    }
    if (Date.now() + delay > options.deadline) {
      throw ApplicationFailure.create({
        type: 'InsufficientInstanceCapacity',
        nonRetryable: true,
        message:
          `no capacity for ${options.request.InstanceType} in any subnet of the spec in ${options.region} (${refusals.join('; ')}), still after waiting: ` +
          'add subnets in other availability zones to regionSettings, or choose another instanceType',
      });
    }
    heartbeat({ ...options.checkpoint, waiting: `capacity for ${options.request.InstanceType} in ${options.region}` });
    await pause(delay);
  }
}
