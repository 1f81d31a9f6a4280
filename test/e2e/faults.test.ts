import { deployArgs, leftovers, startDeployWorld, type DeployWorld, type Leftovers } from '../helpers/deploy-world';
import { failed, fleetOf, succeeded, versionsRunning } from '../helpers/outcomes';
import { pollTraffic, type TrafficReport } from '../helpers/traffic';

const REGIONS = ['us-east-1', 'us-west-2'];

/** Every EC2, SSM and ELBv2 action a deploy or its compensation calls (the test checks the list is complete). */
const DEPLOY_ACTIONS = [
  'ec2:CopyImage', 'ec2:CreateImage', 'ec2:CreateTags', 'ec2:DeregisterImage', 'ec2:DescribeImages', 'ec2:DescribeInstances',
  'ec2:RunInstances', 'ec2:StopInstances', 'ec2:TerminateInstances', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups',
  'ssm:DescribeInstanceInformation', 'ssm:GetCommandInvocation', 'ssm:GetParameter', 'ssm:ListCommandInvocations', 'ssm:SendCommand',
  'elasticloadbalancing:DeregisterTargets', 'elasticloadbalancing:DescribeTargetHealth', 'elasticloadbalancing:RegisterTargets',
  'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeLoadBalancers',
  'iam:GetInstanceProfile', 'iam:SimulatePrincipalPolicy',
];

/** The codes the sandbox throttles with (EC2, SSM, ELBv2), as the SDK names them. */
const THROTTLE_CODES = new Set(['RequestLimitExceeded', 'ThrottlingException', 'Throttling']);

/**
 * Counts the throttling errors the worker's AWS clients receive, per attempt (inside the SDK's
 * retries), so a test can prove the throttle really hit the deploy it survived.
 */
function countThrottles(world: DeployWorld): { counts: Record<string, number>; stop(): void } {
  const counts: Record<string, number> = {};
  const clients = REGIONS.flatMap((region) => [world.aws.ec2(region), world.aws.ssm(region), world.aws.elbv2(region)]) as any[];
  for (const client of clients) {
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
        try {
          return await next(args);
        } catch (error) {
          const name = (error as Error).name;
          if (THROTTLE_CODES.has(name)) counts[context.commandName ?? name] = (counts[context.commandName ?? name] ?? 0) + 1;
          throw error;
        }
      },
      // After the retry middleware (priority high in the same step): sees every attempt.
      { step: 'finalizeRequest', priority: 'low', name: 'countThrottles' },
    );
  }
  return { counts, stop: () => clients.forEach((client) => client.middlewareStack.remove('countThrottles')) };
}

describe('AWS faults, end to end through the CLI', () => {
  let world: DeployWorld;
  const env = 'faults';
  /** What a healthy env owns between the tests: its live fleet and the images of its first bake. */
  let baseline: Leftovers;

  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'fast' });
  });
  afterEach(async () => {
    await world?.sandbox.control.clearFaults();
  });
  afterAll(async () => {
    await world?.close();
  });

  /** Runs a deploy while a client polls each region's load balancer. */
  async function deployWhilePolling(args: string[]): Promise<{ output: any; code: number; reports: TrafficReport[]; raw: string }> {
    const pollers = REGIONS.map((region) => pollTraffic(world.sandbox.loadBalancers[region]['example-web'], { intervalMs: 50 }));
    const run = await world.cli(args);
    const reports = await Promise.all(pollers.map((p) => p.stop()));
    return { output: run.code <= 1 ? JSON.parse(run.stdout) : undefined, code: run.code, reports, raw: `${run.stdout}\n${run.stderr}` };
  }

  const noFailedRequests = (reports: TrafficReport[]) =>
    reports.map((r) => ({ failures: r.failures, samples: r.samples, served: r.requests > 5 })).forEach((r) => expect(r).toEqual({ failures: 0, samples: [], served: true }));

  /** A spec with one region (us-east-1, one instance): call counts then say exactly how often an action ran. */
  const singleRegion = (change?: (spec: Record<string, any>) => void) =>
    world.spec((s) => {
      s.regions = ['us-east-1'];
      delete s.regionSettings['us-west-2'];
      s.regionSettings['us-east-1'].desiredCount = 1;
      s.service.healthCheck.timeoutSeconds = 10;
      change?.(s);
    });

  async function throttleEverything(rate: number): Promise<void> {
    for (const action of DEPLOY_ACTIONS) await world.sandbox.control.throttle({ action, rate });
  }

  it('with 30% of every EC2, SSM and ELBv2 call throttled, an immutable deploy still completes', async () => {
    await world.sandbox.control.resetCalls();
    await throttleEverything(0.3);
    const throttles = countThrottles(world);
    let output: any;
    try {
      output = succeeded(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0' })));
    } finally {
      throttles.stop();
      await world.sandbox.control.clearFaults();
    }
    // Every action the deploy used was throttled, and the throttle really hit it, many times.
    const calls = await world.sandbox.control.calls();
    expect(Object.keys(calls).filter((action) => !DEPLOY_ACTIONS.includes(action))).toEqual([]);
    const hits = Object.values(throttles.counts).reduce((a, b) => a + b, 0);
    expect(hits).toBeGreaterThan(10);
    expect(Object.keys(throttles.counts).length).toBeGreaterThan(5);

    for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('1.0.0');
    expect(output.result.regions.map((r: any) => r.instanceIds.length)).toEqual([2, 2]);
    const now = await leftovers(world, env);
    expect(now.untagged).toEqual([]);
    expect(now.instances).toEqual(output.result.regions.flatMap((r: any) => r.instanceIds).sort());
    // The bake and its copy; the builder is gone.
    expect(now.images).toHaveLength(2);
    // With 30% of calls throttled, 2.7% of calls fail all three SDK attempts: the preflight's 14
    // calls lose about a third of its attempts, whose retries wait 2, 6, 18, 54 s
    // (contracts/retry-policy.ts). Four lost in a row (1%) add 80 s to a deploy of 25-55 s.
  }, 300_000);

  it('with 30% of every call throttled, a mutable deploy still completes, batch by batch', async () => {
    const before = (await Promise.all(REGIONS.map((r) => fleetOf(world, env, r)))).flat().map((i) => i.id);
    await throttleEverything(0.3);
    const throttles = countThrottles(world);
    try {
      succeeded(await world.cli(deployArgs(world, { procedure: 'mutable', env, version: '2.0.0', extra: ['--batch-size', '1', '--min-healthy', '1'] })));
    } finally {
      throttles.stop();
      await world.sandbox.control.clearFaults();
    }
    expect(Object.values(throttles.counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    const after = (await Promise.all(REGIONS.map((r) => fleetOf(world, env, r)))).flat();
    expect(after.map((i) => i.id)).toEqual(before);
    expect(after.map((i) => i.tags['hybrid-deploy:version'])).toEqual(['2.0.0', '2.0.0', '2.0.0', '2.0.0']);
    expect(await versionsRunning(after)).toEqual(['2.0.0', '2.0.0', '2.0.0', '2.0.0']);
    for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('2.0.0');
    baseline = await leftovers(world, env);
    expect({ instances: baseline.instances.length, untagged: baseline.untagged }).toEqual({ instances: 4, untagged: [] });
  });

  it('a post-deploy command that times out fails a mutable deploy, which puts every instance back on the previous version', async () => {
    const spec = world.spec((s) => {
      s.postDeploy = ['sleep 30'];
      s.timeouts.command = 8;
    });
    const { output, code, reports, raw } = await deployWhilePolling(deployArgs(world, { procedure: 'mutable', env, version: '3.0.0', spec, extra: ['--batch-size', '1', '--min-healthy', '1'] }));
    expect({ code, raw: code === 1 ? '' : raw }).toEqual({ code: 1, raw: '' });
    // The post-deploy tasks run in the batch's sync command: its time limit is theirs too.
    expect(output.error).toMatch(/the post-deploy tasks of 3\.0\.0 failed on 1 of 1 instance\(s\) of batch \d\/2 in us-(east-1|west-2); i-[0-9a-f]+: TimedOut/);
    noFailedRequests(reports);
    const after = (await Promise.all(REGIONS.map((r) => fleetOf(world, env, r)))).flat();
    expect(after.map((i) => i.id).sort()).toEqual(baseline.instances);
    expect(after.map((i) => i.tags['hybrid-deploy:version'])).toEqual(['2.0.0', '2.0.0', '2.0.0', '2.0.0']);
    expect(await versionsRunning(after)).toEqual(['2.0.0', '2.0.0', '2.0.0', '2.0.0']);
    for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('2.0.0');
    expect(await leftovers(world, env)).toEqual(baseline);
  });

  it('a post-deploy command that times out fails a partial deploy: the new instances are terminated, the old fleet serves throughout', async () => {
    const spec = world.spec((s) => {
      s.postDeploy = ['sleep 30'];
      s.timeouts.command = 8;
    });
    const { output, code, reports, raw } = await deployWhilePolling(deployArgs(world, { procedure: 'partial', env, version: '3.0.0', spec }));
    expect({ code, raw: code === 1 ? '' : raw }).toEqual({ code: 1, raw: '' });
    expect(output.error).toMatch(/the post-deploy tasks of 3\.0\.0 failed on \d of 2 instance\(s\) of 2 instance\(s\) in us-(east-1|west-2); i-[0-9a-f]+: TimedOut/);
    expect([...output.compensation].sort()).toEqual(['ok: terminate the new fleet in us-east-1', 'ok: terminate the new fleet in us-west-2']);
    noFailedRequests(reports);
    for (const report of reports) expect(Object.keys(report.versions)).toEqual(['2.0.0']);
    const launched = (await world.sandbox.control.resources()).instances.filter((i) => i.tags['hybrid-deploy:run-id'] === output.runId);
    expect(launched.map((i) => i.state)).toEqual(['terminated', 'terminated', 'terminated', 'terminated']);
    expect(await leftovers(world, env)).toEqual(baseline);
  });

  it('an instance whose SSM agent never comes online fails the deploy after the bounded wait, naming the instance; nothing is left', async () => {
    const spec = world.spec((s) => (s.timeouts.agentOnline = 5));
    // The agent of the first instance launched from now on never registers.
    await world.sandbox.control.failNextAgents({ next: 1 });
    const { output, code, reports, raw } = await deployWhilePolling(deployArgs(world, { procedure: 'partial', env, version: '4.0.0', spec }));
    expect({ code, raw: code === 1 ? '' : raw }).toEqual({ code: 1, raw: '' });
    expect(output.error).toMatch(/^gave up after 5s waiting for the SSM agent of 2 instance\(s\) in us-(east-1|west-2) to be online; last seen: \{"offline":\["i-[0-9a-f]+"\]\}$/);
    const offline = /"offline":\["(i-[0-9a-f]+)"\]/.exec(output.error)![1];
    const { instances } = await world.sandbox.control.resources();
    const launched = instances.filter((i) => i.tags['hybrid-deploy:run-id'] === output.runId);
    // The instance named is one this deploy launched; all four are gone.
    expect(launched.map((i) => i.id)).toContain(offline);
    expect(launched.map((i) => i.state)).toEqual(['terminated', 'terminated', 'terminated', 'terminated']);
    noFailedRequests(reports);
    expect(await leftovers(world, env)).toEqual(baseline);
  });

  it('a permanent error (InvalidAMIID.NotFound on RunInstances) fails a partial deploy at once: one call, no retry, nothing launched', async () => {
    await world.sandbox.control.resetCalls();
    // Armed for many calls: a retry by the SDK or by Temporal would show in the count.
    await world.sandbox.control.fail({ action: 'ec2:RunInstances', code: 'InvalidAMIID.NotFound', message: "The image id '[ami-0feedfacefeedface]' does not exist", next: 50 });
    const output = failed(await world.cli(deployArgs(world, { procedure: 'partial', env, version: '5.0.0', spec: singleRegion() })));
    expect(output.error).toMatch(/^ec2:RunInstances in us-east-1 \(subnet-\w+\) failed: InvalidAMIID\.NotFound: .*does not exist \(the image does not exist in this region/);
    expect(output.compensation).toEqual(['ok: terminate the new fleet in us-east-1']);
    expect((await world.sandbox.control.calls())['ec2:RunInstances']).toBe(1);
    expect(await leftovers(world, env)).toEqual(baseline);
  });

  it('a permanent error (UnauthorizedOperation on CreateImage) fails the bake at once: one call, the builder terminated, no image', async () => {
    await world.sandbox.control.resetCalls();
    await world.sandbox.control.fail({ action: 'ec2:CreateImage', code: 'UnauthorizedOperation', status: 403, message: 'You are not authorized to perform this operation.', next: 50 });
    const output = failed(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '6.0.0', spec: singleRegion() })));
    expect(output.error).toMatch(/^ec2:CreateImage hybrid-deploy\/example-app\/6\.0\.0\/\S+ failed: UnauthorizedOperation: You are not authorized.*\(check its IAM policy\)\)$/);
    const calls = await world.sandbox.control.calls();
    expect({ create: calls['ec2:CreateImage'], stop: calls['ec2:StopInstances'], run: calls['ec2:RunInstances'] }).toEqual({ create: 1, stop: 1, run: 1 });
    expect(output.compensation).toEqual([`ok: deregister image hybrid-deploy/example-app/6.0.0/${output.runId} in us-east-1`, 'ok: terminate the builder in us-east-1']);
    const { instances, images } = await world.sandbox.control.resources();
    expect(instances.filter((i) => i.tags['hybrid-deploy:run-id'] === output.runId).map((i) => `${i.tags['hybrid-deploy:role']} ${i.state}`)).toEqual(['builder terminated']);
    expect(images.filter((i) => i.name.includes(output.runId))).toEqual([]);
    expect(await leftovers(world, env)).toEqual(baseline);
  });

  it('an image that goes failed ends the deploy with its StateReason; the builder is terminated and the failed image deregistered', async () => {
    await world.sandbox.control.failNextImage({ code: 'Client.InternalError', message: 'Client.InternalError: snapshot of /dev/xvda failed: disk full' });
    const output = failed(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '7.0.0', spec: singleRegion() })));
    expect(output.error).toMatch(/^image ami-[0-9a-f]+ in us-east-1 failed: Client\.InternalError Client\.InternalError: snapshot of \/dev\/xvda failed: disk full$/);
    const name = `hybrid-deploy/example-app/7.0.0/${output.runId}`;
    expect(output.compensation).toEqual([`ok: deregister image ${name} in us-east-1`, 'ok: terminate the builder in us-east-1']);
    const { instances, images } = await world.sandbox.control.resources();
    const image = images.filter((i) => i.name === name);
    expect(image.map((i) => ({ state: i.state, deregistered: i.deregistered, reason: i.stateReason?.message }))).toEqual([
      { state: 'failed', deregistered: true, reason: 'Client.InternalError: snapshot of /dev/xvda failed: disk full' },
    ]);
    expect(instances.filter((i) => i.tags['hybrid-deploy:run-id'] === output.runId).map((i) => `${i.tags['hybrid-deploy:role']} ${i.state}`)).toEqual(['builder terminated']);
    expect(await leftovers(world, env)).toEqual(baseline);
  });
});
