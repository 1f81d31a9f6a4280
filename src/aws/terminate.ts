import { DescribeInstancesCommand, TerminateInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { chunk } from './chunk';
import { NOT_VISIBLE_YET, pause } from './consistency';
import { awsCall, hasAwsCode } from './errors';
import { waitFor } from './wait';
import { heartbeat } from './heartbeat';

/**
 * Sends TerminateInstances for every id, in batches. One id AWS does not show fails a whole
 * batch, so the batch is then sent id by id; an id still NotFound is retried within the
 * consistency window (an instance launched a moment ago is not visible yet), then taken as gone
 * (AWS forgets terminated instances after about an hour). Returns the ids AWS accepted.
 */
export async function sendTerminate(ec2: EC2Client, region: string, ids: string[], windowMs: number, sinceMs = Date.now()): Promise<string[]> {
  const accepted: string[] = [];
  for (const batch of chunk(ids, 500)) {
    try {
      await awsCall(`ec2:TerminateInstances in ${region}`, () => ec2.send(new TerminateInstancesCommand({ InstanceIds: batch })));
      accepted.push(...batch);
      continue;
    } catch (error) {
      if (!hasAwsCode(error, NOT_VISIBLE_YET.instance)) throw error;
    }
    for (const id of batch) if (await terminateOne(ec2, region, id, windowMs, sinceMs)) accepted.push(id);
  }
  return accepted;
}

async function terminateOne(ec2: EC2Client, region: string, id: string, windowMs: number, sinceMs: number): Promise<boolean> {
  for (let delay = 250; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      await awsCall(`ec2:TerminateInstances ${id} in ${region}`, () => ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] })));
      return true;
    } catch (error) {
      if (!hasAwsCode(error, NOT_VISIBLE_YET.instance)) throw error;
      if (Date.now() - sinceMs >= windowMs) return false;
      // Still an attempt in progress (also while a cancelled launch cleans up): keep heartbeating.
      heartbeat({ waiting: `${id} to become visible, to terminate it` });
      await pause(delay);
    }
  }
}

/** The instances AWS still shows, described by id (an id AWS no longer knows is left out: it is gone). */
async function describeByIds(ec2: EC2Client, ids: string[]): Promise<Instance[]> {
  const describe = async (batch: string[]) =>
    (await awsCall('ec2:DescribeInstances', () => ec2.send(new DescribeInstancesCommand({ InstanceIds: batch })))).Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
  const out: Instance[] = [];
  for (const batch of chunk(ids, 500)) {
    try {
      out.push(...(await describe(batch)));
    } catch (error) {
      // One unknown id fails the whole call: look at each alone.
      if (!hasAwsCode(error, NOT_VISIBLE_YET.instance)) throw error;
      for (const id of batch) {
        try {
          out.push(...(await describe([id])));
        } catch (e) {
          if (!hasAwsCode(e, NOT_VISIBLE_YET.instance)) throw e;
        }
      }
    }
  }
  return out;
}

/**
 * Waits until every instance is `terminated`, looking each one up by id — never by a filter, which
 * an instance AWS does not show yet would slip through unseen. An id AWS no longer knows (after
 * TerminateInstances accepted it) is gone.
 */
export async function confirmTerminated(ec2: EC2Client, region: string, ids: string[], timeoutSeconds: number, pollIntervalMs: number): Promise<void> {
  await waitFor({
    what: `${ids.length} instance(s) in ${region} to terminate`,
    timeoutSeconds,
    pollIntervalMs,
    check: async () => {
      const alive = (await describeByIds(ec2, ids)).filter((i) => i.State?.Name !== 'terminated');
      return { done: alive.length === 0, progress: Object.fromEntries(alive.map((i) => [i.InstanceId, i.State?.Name])) };
    },
  });
}
