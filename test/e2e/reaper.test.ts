import { CreateImageCommand, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { BASE_IMAGE_IDS, SUBNET_IDS } from '../../sandbox';
import { deployArgs, leftovers, startDeployWorld, type CliRun, type DeployWorld } from '../helpers/deploy-world';
import { failed, until } from '../helpers/outcomes';

const HOUR = 3_600_000;
const APP = 'example-app';

/** `reap` through the CLI against the world's worker; its JSON report. */
async function reap(world: DeployWorld, spec: string, ...flags: string[]): Promise<any> {
  const run: CliRun = await world.cli(['reap', '--spec', spec, '--json', '--task-queue', world.taskQueue, ...flags]);
  expect({ code: run.code, out: run.code === 0 ? '' : `${run.stdout}\n${run.stderr}` }).toEqual({ code: 0, out: '' });
  return JSON.parse(run.stdout);
}

const summary = (report: any) => report.removed.map((r: any) => `${r.kind} ${r.id} ${r.region}`).sort();

describe('debugging without orphans: keepBuilderOnFailure and the reaper, through the CLI', () => {
  let world: DeployWorld;
  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'fast' });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('keeps a failed builder stopped and tagged with an expiry; the reaper removes it and the orphans once due, and a dry run removes nothing', async () => {
    const env = world.uniqueEnv('keep');
    const spec = world.spec((s) => {
      s.regions = ['us-east-1'];
      delete s.regionSettings['us-west-2'];
      s.regionSettings['us-east-1'].desiredCount = 1;
      s.service.healthCheck.timeoutSeconds = 5;
      s.bake.keepBuilderOnFailure = true;
      s.bake.keepBuilderHours = 24;
    });
    // The full spec (both regions) for the reaper: it sweeps every region of the app.
    const reapSpec = world.spec();

    // 1. A release that fails its smoke test on the builder: exit 1, the builder kept, nothing else made.
    const before = Date.now();
    const output = failed(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0', spec, artifact: world.brokenArtifact('1.0.0') })));
    const after = Date.now();
    expect(output.error).toMatch(/smoke test of version 1\.0\.0 failed on 1 of 1 instance/);
    expect(output.compensation).toEqual(['ok: keep the builder in us-east-1 for inspection: stopped, expires in 24h']);
    const { instances } = await world.sandbox.control.resources();
    const mine = instances.filter((i) => i.tags['hybrid-deploy:env'] === env);
    expect(mine.map((i) => `${i.tags['hybrid-deploy:role']} ${i.state} ${i.processes.length}`)).toEqual(['builder stopped 0']);
    const builder = mine[0].id;
    const expiresAt = Date.parse(mine[0].tags['hybrid-deploy:expires-at']);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 24 * HOUR - 1_000);
    expect(expiresAt).toBeLessThanOrEqual(after + 24 * HOUR);
    expect(await leftovers(world, env)).toEqual({ instances: [builder], images: [], workflows: [] });

    // 2. Today, nothing is due: the kept builder is not an orphan either (it carries an expiry).
    const today = await reap(world, reapSpec);
    expect(today.removed).toEqual([]);

    // 3. Orphans: a builder whose deploy Temporal never heard of, a failed image, and a builder whose deploy is still running.
    const ec2 = world.aws.ec2('us-east-1');
    const ghostTags = (workflowId: string, runId: string) => [
      { Key: 'hybrid-deploy:app', Value: APP }, { Key: 'hybrid-deploy:env', Value: env }, { Key: 'hybrid-deploy:role', Value: 'builder' },
      { Key: 'hybrid-deploy:workflow-id', Value: workflowId }, { Key: 'hybrid-deploy:run-id', Value: runId },
    ];
    const launch = async (tags: { Key: string; Value: string }[]) =>
      (await ec2.send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1, SubnetId: SUBNET_IDS['us-east-1'][0], TagSpecifications: [{ ResourceType: 'instance', Tags: tags }] }))).Instances![0].InstanceId!;
    const orphan = await launch(ghostTags(`deploy/${APP}/${env}-crashed`, '00000000-0000-0000-0000-000000000000'));
    // A deploy that is running (started on a task queue no worker polls: it stays RUNNING).
    const running = await world.client.workflow.start('fullyImmutableDeploy', { taskQueue: `${world.taskQueue}-idle`, workflowId: `deploy/${APP}/${env}-running`, args: [] });
    const owned = await launch(ghostTags(running.workflowId, running.firstExecutionRunId));
    await world.sandbox.control.failNextImage({ message: 'Client.InternalError: snapshot failed' });
    const { ImageId: failedImage } = await ec2.send(
      new CreateImageCommand({ InstanceId: builder, Name: `hybrid-deploy/${APP}/0.0.1/orphan`, NoReboot: true, TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'hybrid-deploy:app', Value: APP }, { Key: 'hybrid-deploy:env', Value: env }, { Key: 'hybrid-deploy:role', Value: 'image' }] }] }),
    );
    await until('the image to fail', async () => ((await world.sandbox.control.resources()).images.find((i) => i.id === failedImage)?.state === 'failed' ? true : undefined));

    try {
      // 4. Two days from now, as a dry run: everything due is reported, nothing is touched.
      const future = new Date(Date.now() + 48 * HOUR).toISOString();
      const expected = [`image ${failedImage} us-east-1`, `instance ${builder} us-east-1`, `instance ${orphan} us-east-1`].sort();
      const states = async () => {
        const r = await world.sandbox.control.resources();
        return [builder, orphan, owned].map((id) => r.instances.find((i) => i.id === id)?.state).concat([String(r.images.find((i) => i.id === failedImage)?.deregistered)]);
      };
      const statesBefore = await states();
      expect(statesBefore).toEqual(['stopped', expect.stringMatching(/^(pending|running)$/), expect.stringMatching(/^(pending|running)$/), 'false']);
      const dry = await reap(world, reapSpec, '--dry-run', '--now', future);
      expect({ dryRun: dry.dryRun, removed: summary(dry) }).toEqual({ dryRun: true, removed: expected });
      expect(await states()).toEqual(statesBefore);

      // 5. For real: the expired builder and the orphans go, each with its reason; the running deploy's builder stays.
      const report = await reap(world, reapSpec, '--now', future);
      expect(summary(report)).toEqual(expected);
      const reasons = Object.fromEntries(report.removed.map((r: any) => [r.id, r.reason]));
      expect(reasons[builder]).toMatch(/^expired at \S+ \(builder of deploy\/example-app\/keep\S+ run \S+\)$/);
      expect(reasons[orphan]).toMatch(/^orphaned builder: launched \S+, its deploy deploy\/example-app\/\S+-crashed run 0{8}-\S+ is unknown to Temporal$/);
      expect(reasons[failedImage!]).toBe('failed: Client.InternalError: snapshot failed');
      expect(await states()).toEqual(['terminated', 'terminated', 'running', 'true']);

      // 6. Once the running deploy has closed, its builder is an orphan too.
      await running.terminate('test over');
      const last = await reap(world, reapSpec, '--now', future);
      expect(summary(last)).toEqual([`instance ${owned} us-east-1`]);
      expect(last.removed[0].reason).toMatch(/its deploy \S+-running run \S+ is TERMINATED$/);
      expect(await leftovers(world, env)).toEqual({ instances: [], images: [], workflows: [] });
    } finally {
      await running.terminate().catch(() => undefined);
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [builder, orphan, owned] })).catch(() => undefined);
    }
  });

  it('rejects a bad --now before starting anything', async () => {
    const run = await world.cli(['reap', '--spec', world.spec(), '--now', 'tomorrow', '--json', '--task-queue', world.taskQueue]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).problems).toEqual([{ path: '--now', message: '"tomorrow" is not an ISO time (e.g. 2030-01-01T00:00:00Z)' }]);
  });
});
