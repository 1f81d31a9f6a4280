import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { awaitResult, DurabilityWorld, observe, resumptionAfter } from '../../harness/durability';
import { runOnInstances } from '../helpers/instance-commands';
import { until } from '../helpers/outcomes';
import { testTemporalAddress } from '../helpers/temporal';

const REGION = 'us-east-1';
const MARKER = '/opt/example-app/shared/refuse-post-deploy';

/**
 * A step that sends an SSM command and dies before its first heartbeat (here: its worker is
 * SIGKILLed while SendCommand's answer is on its way) is retried with no checkpoint. SSM's
 * SendCommand has no idempotency token, so the retry must find the command its earlier attempt
 * sent instead of sending it again: a second sync of the same release reports the *new* version
 * as the instance's previous one, and a rollback then "restores" the new release.
 */
describe('a command step retried before its first heartbeat', () => {
  let world: DurabilityWorld;
  let ec2: EC2Client;
  let ssm: SSMClient;

  beforeAll(async () => {
    world = await DurabilityWorld.start({ temporalAddress: testTemporalAddress() });
    ec2 = new EC2Client(world.sandbox.clientConfig(REGION));
    ssm = new SSMClient(world.sandbox.clientConfig(REGION));
    await world.ensureWorker();
  });
  afterAll(async () => {
    ec2?.destroy();
    ssm?.destroy();
    await world?.close();
  });

  const oneRegion = (extra?: (spec: Record<string, any>) => void) =>
    world.spec((spec) => {
      spec.regions = [REGION];
      spec.regionSettings = { [REGION]: spec.regionSettings[REGION] };
      extra?.(spec);
    });

  it('finds the command its killed attempt sent instead of sending it again, so a failed mutable deploy rolls every instance back to the previous release', async () => {
    const env = 'resend';
    const first = await world.startDeploy('immutable', env, '1.0.0', { spec: oneRegion() });
    const baked = await awaitResult(world.client, first);
    expect(baked.error).toBeUndefined();
    const fleet = baked.result!.regions[0].instanceIds.slice().sort();
    expect(fleet).toHaveLength(2);

    // The second batch (instances go in id order) refuses its post-deploy task, so the deploy fails after batch 1 succeeded.
    await runOnInstances(ssm, [fleet[1]], `mkdir -p $(dirname ${MARKER}) && touch ${MARKER}`);
    await world.sandbox.control.resetCalls();
    const since = Date.now();
    // Batch 1's syncCode: its SendCommand takes effect, but the answer is held back, so the attempt cannot have heartbeated.
    await world.sandbox.control.hold({ action: 'ssm:SendCommand' });

    const spec = oneRegion((s) => (s.postDeploy = [...s.postDeploy, `test ! -e ${MARKER}`]));
    const hotfix = await world.startDeploy('mutable', env, '2.0.0', { spec });
    await until('batch 1\'s SendCommand to take effect, its answer held', async () => ((await world.sandbox.control.faults()).held === 1 ? true : undefined));
    const sent = (await world.sandbox.control.resources()).commands.filter((c) => Date.parse(c.requestedAt) >= since);
    expect(sent.map((c) => c.invocations.map((i) => i.instanceId))).toEqual([[fleet[0]]]);
    const step = (await observe(world.client, hotfix.workflowId)).activities.find((a) => a.type === 'syncCode' && a.started);
    expect(step).toMatchObject({ attempt: 1 });
    const victim = world.workerWithIdentity(step!.workerIdentity);
    expect(victim).toBeDefined();
    const replacement = await world.killAndReplace(victim!);
    // The answer now goes to a dead connection: the retry knows nothing of the command.
    await world.sandbox.control.clearFaults();

    const outcome = await awaitResult(world.client, hotfix);
    expect(outcome.error).toMatch(/the post-deploy tasks of 2\.0\.0 failed/);

    // The path taken: batch 1's sync completed on its second attempt, which found attempt 1's command by its comment.
    expect(await resumptionAfter(world.client, hotfix.workflowId, replacement.spawnedAt)).toMatchObject({ activity: 'syncCode', attempt: 2 });
    // The workers log JSON, one object per line (other lines: the harness's own and Node's warnings).
    const entries = readFileSync(join(world.workDir, 'workers.log'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; commandId?: string; attempt?: number });
    const found = entries.filter((entry) => entry.msg === 'found the command an earlier attempt sent: polling it instead of sending it again');
    expect(found.map((entry) => entry.commandId)).toEqual([sent[0].id]);

    const served: Record<string, string> = {};
    const { Reservations } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: fleet }));
    for (const instance of (Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      const health = (await (await fetch(`http://${instance.PrivateIpAddress}:8080/health`)).json()) as { version: string };
      served[instance.InstanceId!] = `${health.version} (tag ${instance.Tags?.find((t) => t.Key === 'hybrid-deploy:version')?.Value})`;
    }
    expect(served).toEqual(Object.fromEntries(fleet.map((id) => [id, '1.0.0 (tag 1.0.0)'])));
    // Batch 1 sync (its post-deploy tasks in the same command); batch 2 sync (its post-deploy task fails); roll back batch 2, batch 1: four commands, none twice.
    expect((await world.sandbox.control.calls())['ssm:SendCommand']).toBe(4);
  }, 240_000);
});
