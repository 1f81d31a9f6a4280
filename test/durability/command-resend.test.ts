import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { awaitResult, DurabilityWorld } from '../../harness/durability';
import { testTemporalAddress } from '../helpers/temporal';

const REGION = 'us-east-1';
const MARKER = '/opt/example-app/shared/refuse-post-deploy';

/**
 * A step that sends an SSM command and dies before its first heartbeat (a worker killed in that
 * window, or a poll that fails right after SendCommand) is retried with no checkpoint. SSM's
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

  it('does not send the command twice, so a failed mutable deploy rolls every instance back to the previous release', async () => {
    const env = 'resend';
    const first = await world.startDeploy('immutable', env, '1.0.0', { spec: oneRegion() });
    const baked = await awaitResult(world.client, first);
    expect(baked.error).toBeUndefined();
    const fleet = baked.result!.regions[0].instanceIds.slice().sort();
    expect(fleet).toHaveLength(2);

    // The second batch (instances go in id order) refuses its post-deploy task, so the deploy fails after batch 1 succeeded.
    await ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [fleet[1]], Parameters: { commands: [`mkdir -p $(dirname ${MARKER}) && touch ${MARKER}`] } }));
    await new Promise((r) => setTimeout(r, 1_000));
    await world.sandbox.control.resetCalls();
    // Batch 1's syncCode: SendCommand succeeds, then every SDK attempt of its first poll fails: the attempt dies before it heartbeats.
    await world.sandbox.control.fail({ action: 'ssm:ListCommandInvocations', code: 'InternalServerError', status: 500, next: 3 });

    const spec = oneRegion((s) => (s.postDeploy = [...s.postDeploy, `test ! -e ${MARKER}`]));
    const hotfix = await world.startDeploy('mutable', env, '2.0.0', { spec });
    const outcome = await awaitResult(world.client, hotfix);
    expect(outcome.error).toMatch(/post-deploy 2\.0\.0/);

    const served: Record<string, string> = {};
    const { Reservations } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: fleet }));
    for (const instance of (Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      const health = (await (await fetch(`http://${instance.PrivateIpAddress}:8080/health`)).json()) as { version: string };
      served[instance.InstanceId!] = `${health.version} (tag ${instance.Tags?.find((t) => t.Key === 'hybrid-deploy:version')?.Value})`;
    }
    expect(served).toEqual(Object.fromEntries(fleet.map((id) => [id, '1.0.0 (tag 1.0.0)'])));
    // Batch 1 sync, post-deploy; batch 2 sync, post-deploy (fails); roll back batch 2, batch 1: six commands, none twice.
    expect((await world.sandbox.control.calls())['ssm:SendCommand']).toBe(6);
  }, 240_000);
});
