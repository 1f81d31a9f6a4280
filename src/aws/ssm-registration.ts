import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import { DescribeInstanceInformationCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ApplicationFailure } from '@temporalio/common';
import { chunk } from './chunk';
import { INSTANCES_PER_PAGE } from './list-instances';
import { awsCall } from './errors';
import { checkInstanceProfile, type InstanceProfileCheck } from './instance-profile';
import { atMost, waitFor } from './wait';

/** The instances among `ids` whose SSM agent is registered and `Online`. */
export async function onlineAgents(ssm: SSMClient, ids: string[]): Promise<Set<string>> {
  const online = new Set<string>();
  for (const batch of chunk(ids, 50)) {
    const { InstanceInformationList } = await awsCall('ssm:DescribeInstanceInformation', () =>
      ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: batch }] })),
    );
    for (const info of InstanceInformationList ?? []) if (info.PingStatus === 'Online') online.add(info.InstanceId!);
  }
  return online;
}

export interface AgentWait {
  region: string;
  instanceIds: string[];
  timeoutSeconds: number;
  pollIntervalMs: number;
  clients: { ec2: EC2Client; ssm: SSMClient; iam: IAMClient };
  /** Merged into every heartbeat (what a retry resumes from). */
  checkpoint?: Record<string, unknown>;
}

/**
 * Waits (bounded) until the SSM agent of every instance is online, so commands can be sent.
 * An agent that cannot register — the instance has no instance profile, or its role does not
 * allow SSM — is reported at once with the fix (non-retryable `SsmUnavailable`), not after the
 * whole wait; an agent that is merely slow is waited for.
 */
export async function waitForAgents(wait: AgentWait): Promise<void> {
  const profiles = new Map<string, string | undefined>();
  const checks = new Map<string, Promise<InstanceProfileCheck>>();
  await waitFor({
    what: `the SSM agent of ${wait.instanceIds.length} instance(s) in ${wait.region} to be online`,
    timeoutSeconds: wait.timeoutSeconds,
    pollIntervalMs: wait.pollIntervalMs,
    checkpoint: wait.checkpoint,
    check: async () => {
      const online = await onlineAgents(wait.clients.ssm, wait.instanceIds);
      const offline = wait.instanceIds.filter((id) => !online.has(id));
      if (offline.length > 0) await failIfAgentsCannotRegister(wait, offline, profiles, checks);
      return { done: offline.length === 0, progress: { offline: atMost(offline) } };
    },
  });
}

/** Looks once at each offline instance's profile (and once at each profile in IAM); throws when one can never register. */
async function failIfAgentsCannotRegister(
  wait: AgentWait,
  offline: string[],
  profiles: Map<string, string | undefined>,
  checks: Map<string, Promise<InstanceProfileCheck>>,
): Promise<void> {
  // A page at a time, keeping only the profile: a thousand full descriptions at once would weigh on the worker.
  for (const batch of chunk(offline.filter((id) => !profiles.has(id)), INSTANCES_PER_PAGE)) {
    const { Reservations } = await awsCall('ec2:DescribeInstances', () => wait.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: batch })));
    for (const instance of (Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      profiles.set(instance.InstanceId!, instance.IamInstanceProfile?.Arn?.split('/').pop());
    }
  }
  for (const id of offline) {
    if (!profiles.has(id)) continue;
    const profile = profiles.get(id);
    const key = profile ?? '';
    if (!checks.has(key)) {
      const check = checkInstanceProfile(wait.clients.iam, profile);
      checks.set(key, check);
      check.catch(() => checks.delete(key)); // a throttled look is asked again next round
    }
    const check = await checks.get(key)!;
    if (check.problem) {
      throw ApplicationFailure.create({
        type: 'SsmUnavailable',
        nonRetryable: true,
        message: `the SSM agent of ${id} in ${wait.region} cannot register: ${check.problem}`,
        details: [{ instanceId: id, instanceProfile: profile ?? null }],
      });
    }
  }
}
