import type { Client } from '@temporalio/client';
import { DEFAULT_SANDBOX_CONFIG, SANDBOX_ACCOUNT_ID, type SandboxConfigInput } from '../../sandbox';
import { AWS_ACTIVITY_RETRY, SDK_MAX_ATTEMPTS } from '../../src/contracts';
import { deployArgs, leftovers, NOTHING_LEFT, startDeployWorld, type DeployWorld } from '../helpers/deploy-world';
import { cancelled, failed, fleetOf, succeeded, until } from '../helpers/outcomes';

const REGIONS = ['us-east-1', 'us-west-2'];

/** The activities a workflow is running right now (from Temporal's describe). */
async function pendingActivities(client: Client, workflowId: string): Promise<string[]> {
  const description = await client.workflow.getHandle(workflowId).describe().catch(() => undefined);
  return (description?.raw.pendingActivities ?? []).map((a) => a.activityType?.name ?? '');
}

/** The attempt number of the last start of an activity type in a workflow's history. */
async function lastAttempt(client: Client, workflowId: string, activityType: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, string>();
  let attempt = 0;
  for (const event of history.events ?? []) {
    const s = event.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(event.eventId), s.activityType?.name ?? '');
    const started = event.activityTaskStartedEventAttributes;
    if (started && scheduled.get(String(started.scheduledEventId)) === activityType) attempt = started.attempt ?? 0;
  }
  return attempt;
}
const LONELY_TG = `arn:aws:elasticloadbalancing:us-east-1:${SANDBOX_ACCOUNT_ID}:targetgroup/lonely/0123456789abcdef`;
const NARROW_TG = `arn:aws:elasticloadbalancing:us-east-1:${SANDBOX_ACCOUNT_ID}:targetgroup/narrow/fedcba9876543210`;
const NARROW_LB = `arn:aws:elasticloadbalancing:us-east-1:${SANDBOX_ACCOUNT_ID}:loadbalancer/app/narrow/0f0f0f0f0f0f0f0f`;

/**
 * The default world, plus what a real account gets wrong: an instance profile whose role may not
 * use SSM, a target group attached to no load balancer, and a load balancer that enables only
 * zone a (the example spec spreads over zones a and b).
 */
const WORLD: SandboxConfigInput = {
  ...DEFAULT_SANDBOX_CONFIG,
  instanceProfiles: [...(DEFAULT_SANDBOX_CONFIG.instanceProfiles ?? []), { name: 'no-ssm', roleName: 'no-ssm', policies: ['AmazonS3ReadOnlyAccess'] }],
  regions: DEFAULT_SANDBOX_CONFIG.regions.map((region) =>
    region.name !== 'us-east-1'
      ? region
      : {
          ...region,
          loadBalancers: [...(region.loadBalancers ?? []), { name: 'narrow', arn: NARROW_LB, availabilityZones: ['us-east-1a'] }],
          targetGroups: [
            ...(region.targetGroups ?? []),
            { name: 'lonely', arn: LONELY_TG, port: 8080, healthCheckPath: '/health' },
            { name: 'narrow', arn: NARROW_TG, loadBalancerArn: NARROW_LB, port: 8080, healthCheckPath: '/health' },
          ],
        },
  ),
};

describe('a real account’s mistakes and shortages, end to end through the CLI', () => {
  let world: DeployWorld;
  const env = 'world';

  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'fast', config: WORLD });
  });
  afterEach(async () => {
    await world?.sandbox.control.clearFaults();
  });
  afterAll(async () => {
    await world?.close();
  });

  /** Nothing of `env` exists: no instance, image, snapshot, command or running workflow. */
  async function expectNothingFor(e: string): Promise<void> {
    expect(await leftovers(world, e)).toEqual(NOTHING_LEFT);
  }

  const brokenSpec = () =>
    world.spec((s) => {
      s.iamInstanceProfile = 'no-ssm';
      s.regionSettings['us-east-1'].targetGroupArn = NARROW_TG;
      s.regionSettings['us-west-2'].targetGroupArn = LONELY_TG.replace(/us-east-1/g, 'us-west-2');
    });

  it('`check` passes a good spec (exit 0) and lists every problem of a bad one with its field and fix (exit 1), creating nothing', async () => {
    await world.sandbox.control.resetCalls();
    const good = await world.cli(['check', '--spec', world.spec(), '--env', env, '--json']);
    expect({ code: good.code, problems: JSON.parse(good.stdout).problems }).toEqual({ code: 0, problems: [] });

    const bad = await world.cli(['check', '--spec', brokenSpec(), '--env', env, '--json']);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      {
        path: 'regionSettings.us-east-1.subnetIds[1]',
        message: expect.stringMatching(/^subnet-\w+ is in us-east-1b, a zone the load balancer of targetGroupArn does not enable \(it enables us-east-1a\): .*enable us-east-1b on the load balancer/),
      },
      { path: 'regionSettings.us-west-2.targetGroupArn', message: expect.stringMatching(/does not exist in us-west-2: create it/) },
      { path: 'iamInstanceProfile', message: expect.stringMatching(/^the role of instance profile "no-ssm" .* does not allow ssm:UpdateInstanceInformation.*attach the AWS managed policy AmazonSSMManagedInstanceCore/) },
    ]);
    // Human output: one line per problem.
    const human = await world.cli(['check', '--spec', brokenSpec(), '--env', env]);
    expect(human.stdout.split('\n').filter((l) => l.startsWith('  '))).toHaveLength(3);
    // Read-only: nothing was created or changed.
    const calls = Object.keys(await world.sandbox.control.calls());
    expect(calls.filter((c) => !/:(Describe|Get|Simulate)/.test(c))).toEqual([]);
  });

  it('`check` of a bake without an instance profile says SSM could not work, and how to fix it', async () => {
    const spec = world.spec((s) => delete s.iamInstanceProfile);
    const run = await world.cli(['check', '--spec', spec, '--env', env, '--procedure', 'bake', '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).problems).toEqual([
      { path: 'iamInstanceProfile', message: expect.stringMatching(/^no instance profile is set, so the SSM agent of new instances cannot register: set iamInstanceProfile .*AmazonSSMManagedInstanceCore/) },
    ]);
  });

  it('`check` answers invalid input with exit 2 before asking AWS', async () => {
    await world.sandbox.control.resetCalls();
    const run = await world.cli(['check', '--spec', world.spec((s) => (s.regions = ['us-eest-1'])), '--env', 'Prod', '--json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).problems.map((p: any) => p.path)).toEqual(expect.arrayContaining(['--env', expect.stringContaining('regions[0]')]));
    expect(await world.sandbox.control.calls()).toEqual({});
  });

  it('a deploy into a target group attached to no load balancer fails its preflight, naming the field and the fix; nothing is created', async () => {
    const e = 'lonely';
    const spec = world.spec((s) => (s.regionSettings['us-east-1'].targetGroupArn = LONELY_TG));
    const output = failed(await world.cli(deployArgs(world, { procedure: 'immutable', env: e, version: '1.0.0', spec })));
    expect(output.error).toMatch(/preflight found 1 problem, nothing was created: regionSettings\.us-east-1\.targetGroupArn: .*lonely.* is attached to no load balancer.*add it to a listener rule/);
    expect(output.compensation).toEqual([]);
    await expectNothingFor(e);
  });

  it('a profile whose role may not use SSM is reported as such, with the fix, at once — even when the preflight could not read IAM', async () => {
    const e = 'nossm';
    // The worker may not simulate policies at preflight time: that check is skipped, the launch finds out.
    await world.sandbox.control.fail({ action: 'iam:SimulatePrincipalPolicy', code: 'AccessDenied', status: 403, next: 1 });
    const spec = world.spec((s) => {
      s.iamInstanceProfile = 'no-ssm';
      // Far beyond the test's own timeout: only a fast diagnosis lets this test pass.
      s.timeouts.agentOnline = 900;
    });
    const output = failed(await world.cli(deployArgs(world, { procedure: 'immutable', env: e, version: '1.0.0', spec })));
    expect(output.error).toMatch(/^the SSM agent of i-\w+ in us-east-1 cannot register: the role of instance profile "no-ssm" .*does not allow ssm:UpdateInstanceInformation.*AmazonSSMManagedInstanceCore/);
    expect(output.compensation).toEqual(['ok: terminate the builder in us-east-1']);
    await expectNothingFor(e);
  });

  it('with no capacity in zone a, a partial deploy places every instance in zone b and completes', async () => {
    const e = 'capacity';
    succeeded(await world.cli(deployArgs(world, { procedure: 'immutable', env: e, version: '1.0.0' })));
    await world.sandbox.control.noCapacity({ availabilityZone: 'us-east-1a', instanceType: 't3.micro' });
    const output = succeeded(await world.cli(deployArgs(world, { procedure: 'partial', env: e, version: '2.0.0' })));
    expect(await world.servedVersion('us-east-1')).toBe('2.0.0');
    const { instances } = await world.sandbox.control.resources();
    const fresh = instances.filter((i) => i.tags['hybrid-deploy:run-id'] === output.runId && i.region === 'us-east-1');
    expect(fresh.map((i) => i.availabilityZone)).toEqual(['us-east-1b', 'us-east-1b']);
    const now = await leftovers(world, e);
    expect(now.instances).toEqual(output.result.regions.flatMap((r: any) => r.instanceIds).sort());
    expect(now.commands).toEqual([]);
  });

  it('with no capacity anywhere for a while, the launch waits (bounded) and completes once capacity is back', async () => {
    const e = 'capacity';
    // Both zones of us-east-1, for 8 s: the launch retries every subnet after 5 s, then 10 s.
    for (const zone of ['us-east-1a', 'us-east-1b']) await world.sandbox.control.noCapacity({ availabilityZone: zone, forMs: 8_000 });
    await world.sandbox.control.resetCalls();
    const output = succeeded(await world.cli(deployArgs(world, { procedure: 'partial', env: e, version: '3.0.0' })));
    for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('3.0.0');
    // At least one refused round (two subnets) before capacity came back.
    expect((await world.sandbox.control.calls())['ec2:RunInstances']).toBeGreaterThan(2 + 2);
    expect((await leftovers(world, e)).instances).toEqual(output.result.regions.flatMap((r: any) => r.instanceIds).sort());
  });

  it('a throttling storm on CreateImage delays the bake and the deploy completes; the retry layers add up as documented', async () => {
    const e = 'storm';
    await world.sandbox.control.resetCalls();
    const workflowId = `deploy/example-app/${e}`;
    const deploy = world.cli(deployArgs(world, { procedure: 'immutable', env: e, version: '1.0.0' }));
    await until('the bake', async () => ((await pendingActivities(world.client, workflowId)).includes('bakeAmi') ? true : undefined));
    // Every CreateImage refused (RequestLimitExceeded) for 10 s from now.
    await world.sandbox.control.throttle({ action: 'ec2:CreateImage', rate: 1, forMs: 10_000 });
    const output = succeeded(await deploy);
    expect(output.result.regions.map((r: any) => r.instanceIds.length)).toEqual([2, 2]);
    const attempts = await lastAttempt(world.client, workflowId, 'bakeAmi');
    // The storm cost whole activity attempts (Temporal's backoff), each of which sent CreateImage
    // as often as the SDK tries: never more than the two layers' product.
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(AWS_ACTIVITY_RETRY.maximumAttempts!);
    // Every failed attempt sent it exactly SDK_MAX_ATTEMPTS times; the last one, 1 to SDK_MAX_ATTEMPTS times (the storm may end between its tries).
    const sent = (await world.sandbox.control.calls())['ec2:CreateImage'];
    expect(sent).toBeGreaterThanOrEqual(SDK_MAX_ATTEMPTS * (attempts - 1) + 1);
    expect(sent).toBeLessThanOrEqual(SDK_MAX_ATTEMPTS * attempts);
  });

  it('a deploy cancelled while a post-deploy command runs cancels that command (CancelCommand): nothing keeps running on the fleet', async () => {
    const e = 'capacity';
    const spec = world.spec((s) => (s.postDeploy = ['sleep 120']));
    const deploy = world.cli(deployArgs(world, { procedure: 'mutable', env: e, version: '4.0.0', spec, extra: ['--batch-size', '1', '--min-healthy', '1'] }));
    // The post-deploy task runs in the batch's sync command, after the release is placed.
    const running = await until('the post-deploy task to run', async () => {
      const { commands } = await world.sandbox.control.resources();
      return commands.find((c) => c.comment === 'hybrid-deploy sync 4.0.0' && c.status === 'InProgress');
    });
    const cancel = await world.cli(['cancel', 'example-app', e, '--wait', '--json']);
    expect({ code: cancel.code, out: cancel.code === 0 ? '' : `${cancel.stdout}\n${cancel.stderr}` }).toEqual({ code: 0, out: '' });
    cancelled(await deploy);
    const { commands } = await world.sandbox.control.resources();
    // Cancelled, not left to sleep on: the deploy gave up on it, so it must not finish later.
    expect(commands.find((c) => c.id === running.id)?.status).toBe('Cancelled');
    expect((await leftovers(world, e)).commands).toEqual([]);
    // And the batch it changed is back on the previous release.
    const fleet = (await Promise.all(REGIONS.map((r) => fleetOf(world, e, r)))).flat();
    expect(new Set(fleet.map((i) => i.tags['hybrid-deploy:version']))).toEqual(new Set(['3.0.0']));
  });
});
