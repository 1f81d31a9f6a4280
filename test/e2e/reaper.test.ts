import { CreateImageCommand, CreateTagsCommand, DeleteSnapshotCommand, DeregisterImageCommand, RunInstancesCommand, StopInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { clientToken } from '../../src/aws/client-token';
import { imageNameFor } from '../../src/contracts';
import { BASE_IMAGE_IDS, SUBNET_IDS } from '../../sandbox';
import { deployArgs, leftovers, startDeployWorld, type CliRun, type DeployWorld, NOTHING_LEFT } from '../helpers/deploy-world';
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
    expect(await leftovers(world, env)).toEqual({ ...NOTHING_LEFT, instances: [builder] });

    // 2. Today, nothing is due: the kept builder is not an orphan either (it carries an expiry).
    const today = await reap(world, reapSpec);
    expect(today.removed).toEqual([]);

    // 3. Orphans, as a crashed run leaves them: a builder of a deploy that was terminated mid-bake (its
    //    launch's ClientToken and tags), the image it failed to make, and a builder whose deploy still runs.
    //    Beside them, a builder whose tags name a run Temporal never heard of: nothing proves it is ours.
    const ec2 = world.aws.ec2('us-east-1');
    const ownerTags = (workflowId: string, runId: string) => [
      { Key: 'hybrid-deploy:app', Value: APP }, { Key: 'hybrid-deploy:env', Value: env }, { Key: 'hybrid-deploy:version', Value: '0.0.1' },
      { Key: 'hybrid-deploy:workflow-id', Value: workflowId }, { Key: 'hybrid-deploy:run-id', Value: runId },
    ];
    const launchBuilder = async (workflowId: string, runId: string) =>
      (
        await ec2.send(
          new RunInstancesCommand({
            ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1, SubnetId: SUBNET_IDS['us-east-1'][0],
            ClientToken: clientToken({ workflowId, runId }, 'us-east-1/builder/0'),
            TagSpecifications: [{ ResourceType: 'instance', Tags: [...ownerTags(workflowId, runId), { Key: 'hybrid-deploy:role', Value: 'builder' }] }],
          }),
        )
      ).Instances![0].InstanceId!;
    const idle = `${world.taskQueue}-idle`;
    const crashed = await world.client.workflow.start('fullyImmutableDeploy', { taskQueue: idle, workflowId: `deploy/${APP}/${env}-crashed`, args: [] });
    await crashed.terminate('the worker crashed for good');
    const orphan = await launchBuilder(crashed.workflowId, crashed.firstExecutionRunId);
    const ghost = await launchBuilder(`deploy/${APP}/${env}-ghost`, '00000000-0000-0000-0000-000000000000');
    // A deploy that is running (started on a task queue no worker polls: it stays RUNNING).
    const running = await world.client.workflow.start('fullyImmutableDeploy', { taskQueue: idle, workflowId: `deploy/${APP}/${env}-running`, args: [] });
    const owned = await launchBuilder(running.workflowId, running.firstExecutionRunId);
    await world.sandbox.control.failNextImage({ message: 'Client.InternalError: snapshot failed' });
    const { ImageId: failedImage } = await ec2.send(
      new CreateImageCommand({
        InstanceId: builder, Name: imageNameFor(APP, '0.0.1', crashed.firstExecutionRunId), NoReboot: true,
        TagSpecifications: [{ ResourceType: 'image', Tags: [...ownerTags(crashed.workflowId, crashed.firstExecutionRunId), { Key: 'hybrid-deploy:role', Value: 'image' }] }],
      }),
    );
    await until('the image to fail', async () => ((await world.sandbox.control.resources()).images.find((i) => i.id === failedImage)?.state === 'failed' ? true : undefined));
    // Images deregistered by hand without their snapshots: AWS keeps (and bills) the snapshots. The
    // crashed deploy's is proven ours and goes; the ghost run's is not, and stays.
    const abandonImage = async (workflowId: string, runId: string, name: string) => {
      const snapshotTags = [...ownerTags(workflowId, runId), { Key: 'hybrid-deploy:role', Value: 'image' }];
      const { ImageId } = await ec2.send(new CreateImageCommand({ InstanceId: builder, Name: name, NoReboot: true, TagSpecifications: [{ ResourceType: 'snapshot', Tags: snapshotTags }] }));
      const snapshotId = await until(`the image ${name}`, async () => {
        const image = (await world.sandbox.control.resources()).images.find((i) => i.id === ImageId);
        return image?.state === 'available' && image.visible ? image.snapshotIds[0] : undefined;
      });
      await ec2.send(new DeregisterImageCommand({ ImageId }));
      return snapshotId;
    };
    const orphanSnapshot = await abandonImage(crashed.workflowId, crashed.firstExecutionRunId, `hybrid-deploy/${APP}/0.0.2/abandoned`);
    const ghostSnapshot = await abandonImage(`deploy/${APP}/${env}-ghost`, '00000000-0000-0000-0000-000000000000', `hybrid-deploy/${APP}/0.0.3/ghost`);

    try {
      // 4. Two days from now, as a dry run: everything due is reported, nothing is touched.
      const future = new Date(Date.now() + 48 * HOUR).toISOString();
      const expected = [`image ${failedImage} us-east-1`, `instance ${builder} us-east-1`, `instance ${orphan} us-east-1`, `snapshot ${orphanSnapshot} us-east-1`].sort();
      const states = async () => {
        const r = await world.sandbox.control.resources();
        return [builder, orphan, owned, ghost].map((id) => r.instances.find((i) => i.id === id)?.state).concat([String(r.images.find((i) => i.id === failedImage)?.deregistered)]);
      };
      const statesBefore = await states();
      const live = expect.stringMatching(/^(pending|running)$/);
      expect(statesBefore).toEqual(['stopped', live, live, live, 'false']);
      const dry = await reap(world, reapSpec, '--dry-run', '--now', future);
      expect({ dryRun: dry.dryRun, removed: summary(dry) }).toEqual({ dryRun: true, removed: expected });
      expect(await states()).toEqual(statesBefore);

      // 5. For real: the expired builder and the proven orphans go, each with its reason; the running
      //    deploy's builder and the unprovable ghost stay.
      const report = await reap(world, reapSpec, '--now', future);
      expect(summary(report)).toEqual(expected);
      const reasons = Object.fromEntries(report.removed.map((r: any) => [r.id, r.reason]));
      expect(reasons[builder]).toMatch(/^expired at \S+ \(builder of deploy\/example-app\/keep\S+ run \S+, FAILED\)$/);
      expect(reasons[orphan]).toMatch(/^orphaned builder: launched \S+, its deploy deploy\/example-app\/\S+-crashed run \S+ is TERMINATED$/);
      expect(reasons[failedImage!]).toMatch(/^failed: Client\.InternalError: snapshot failed \(made by \S+-crashed run \S+, TERMINATED\)$/);
      expect(reasons[orphanSnapshot]).toMatch(/^no image is made of it any more \(an image snapshot of deploy\/example-app\/\S+-crashed run \S+, TERMINATED\)$/);
      const snapshotsAfter = (await world.sandbox.control.resources()).snapshots;
      expect([orphanSnapshot, ghostSnapshot].map((id) => snapshotsAfter.find((x) => x.id === id)?.deleted)).toEqual([true, false]);
      expect(await states()).toEqual(['terminated', 'terminated', 'running', 'running', 'true']);

      // 6. Once the running deploy has closed, its builder is an orphan too; the ghost is never proven.
      await running.terminate('test over');
      const last = await reap(world, reapSpec, '--now', future);
      expect(summary(last)).toEqual([`instance ${owned} us-east-1`]);
      expect(last.removed[0].reason).toMatch(/its deploy \S+-running run \S+ is TERMINATED$/);
      expect(await leftovers(world, env)).toEqual({ ...NOTHING_LEFT, instances: [ghost], snapshots: [ghostSnapshot] });
    } finally {
      await running.terminate().catch(() => undefined);
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [builder, orphan, owned, ghost] })).catch(() => undefined);
      await ec2.send(new DeleteSnapshotCommand({ SnapshotId: ghostSnapshot })).catch(() => undefined);
    }
  });

  it('never takes a live fleet down because of a tag: only what its own runs made is reaped', async () => {
    const env = world.uniqueEnv('fleet');
    const spec = world.spec((s) => {
      s.regions = ['us-east-1'];
      delete s.regionSettings['us-west-2'];
      s.regionSettings['us-east-1'].desiredCount = 1;
    });
    // The attack of the issue, through a spec: refused before anything starts.
    const tagged = world.spec((s) => (s.tags = { 'hybrid-deploy:expires-at': '2000-01-01T00:00:00Z' }));
    const refused = await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0', spec: tagged }));
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout).problems).toEqual([expect.objectContaining({ path: 'tags.hybrid-deploy:expires-at' })]);

    // The same tags written by hand on a live fleet (and a forged "builder" carrying a real run's tags) change nothing.
    const deployed = await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0', spec }));
    expect(deployed.code).toBe(0);
    const { instances } = await world.sandbox.control.resources();
    const fleet = instances.filter((i) => i.tags['hybrid-deploy:env'] === env && i.tags['hybrid-deploy:role'] === 'fleet' && i.state === 'running');
    expect(fleet).toHaveLength(1);
    const ec2 = world.aws.ec2('us-east-1');
    const expired = [{ Key: 'hybrid-deploy:expires-at', Value: '2000-01-01T00:00:00Z' }];
    await ec2.send(new CreateTagsCommand({ Resources: [fleet[0].id], Tags: [...expired, { Key: 'hybrid-deploy:role', Value: 'builder' }] }));
    const forged = (
      await ec2.send(
        new RunInstancesCommand({
          ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1,
          TagSpecifications: [
            { ResourceType: 'instance', Tags: Object.entries(fleet[0].tags).filter(([k]) => k !== 'hybrid-deploy:role').map(([Key, Value]) => ({ Key, Value })).concat(expired, [{ Key: 'hybrid-deploy:role', Value: 'builder' }]) },
          ],
        }),
      )
    ).Instances![0].InstanceId!;
    try {
      const report = await reap(world, world.spec(), '--now', new Date(Date.now() + 48 * HOUR).toISOString());
      expect(report.removed.filter((r: any) => r.id === fleet[0].id || r.id === forged)).toEqual([]);
      const after = (await world.sandbox.control.resources()).instances;
      expect([fleet[0].id, forged].map((id) => after.find((i) => i.id === id)?.state)).toEqual(['running', expect.stringMatching(/^(pending|running)$/)]);
      expect(await world.servedVersion('us-east-1')).toBe('1.0.0');
    } finally {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [forged] })).catch(() => undefined);
      await world.clearInstances();
    }
  });

  it('removes the image a failed deploy could not remove, and never touches what hybrid-deploy did not tag (a stopped instance, a failed image)', async () => {
    const env = world.uniqueEnv('failed');
    const spec = world.spec((s) => {
      s.regions = ['us-east-1'];
      delete s.regionSettings['us-west-2'];
      s.regionSettings['us-east-1'].desiredCount = 1;
      // The new fleet refuses its post-deploy task: the deploy fails after its image was made.
      s.postDeploy = ['echo "refusing on purpose" >&2; exit 3'];
    });
    const ec2 = world.aws.ec2('us-east-1');
    // What someone else made: an instance and an image with no tag of ours, the instance stopped, the image failed.
    const stranger = (await ec2.send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1 }))).Instances![0].InstanceId!;
    const stateOf = async (id: string) => (await world.sandbox.control.resources()).instances.find((i) => i.id === id)?.state;
    await until('the stranger to run', async () => ((await stateOf(stranger)) === 'running' ? true : undefined));
    await ec2.send(new StopInstancesCommand({ InstanceIds: [stranger] }));
    await until('the stranger to stop', async () => ((await stateOf(stranger)) === 'stopped' ? true : undefined));
    await world.sandbox.control.failNextImage({ message: 'Client.InternalError: not ours' });
    // Right after `stopped`, EC2 may still refuse an image of the instance for a moment: ask until it takes it.
    const strangeImage = await until('an image of the stopped stranger', () =>
      ec2
        .send(new CreateImageCommand({ InstanceId: stranger, Name: 'someone-elses-image', NoReboot: true }))
        .then((r) => r.ImageId, (e: Error) => (e.name === 'InvalidParameterValue' ? undefined : Promise.reject(e))),
    );
    const imageOf = async (id: string) => (await world.sandbox.control.resources()).images.find((i) => i.id === id);
    await until('the stranger\'s image to fail', async () => ((await imageOf(strangeImage))?.state === 'failed' ? true : undefined));

    try {
      // The deploy's undo cannot deregister its image (the permission is missing): the image stays, available.
      await world.sandbox.control.fail({ action: 'ec2:DeregisterImage', code: 'UnauthorizedOperation', status: 403, next: 50 });
      let output: any;
      try {
        output = failed(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.5', spec })));
      } finally {
        await world.sandbox.control.clearFaults();
      }
      const name = imageNameFor(APP, '1.0.5', output.runId);
      expect(output.compensation).toEqual([
        'ok: terminate the new fleet in us-east-1',
        expect.stringMatching(new RegExp(`^FAILED: deregister image ${name} in us-east-1: .*UnauthorizedOperation`)),
        'ok: terminate the builder in us-east-1',
      ]);
      const image = (await world.sandbox.control.resources()).images.find((i) => i.name === name)!;
      expect({ state: image.state, deregistered: image.deregistered }).toEqual({ state: 'available', deregistered: false });
      // The nothing-left helper sees them all: the deploy's image and snapshot by their tags, the strangers from the full resource list.
      const strangeSnapshot = (await world.sandbox.control.resources()).snapshots.find((x) => x.description.includes(strangeImage))!;
      expect(await leftovers(world, env)).toEqual({
        ...NOTHING_LEFT,
        images: [image.id],
        snapshots: image.snapshotIds,
        untagged: [
          `image ${strangeImage} (us-east-1, failed, someone-elses-image)`,
          `instance ${stranger} (us-east-1, stopped)`,
          `snapshot ${strangeSnapshot.id} (us-east-1, ${strangeSnapshot.description})`,
        ],
      });

      const report = await reap(world, world.spec(), '--now', new Date(Date.now() + 48 * HOUR).toISOString());
      expect(report.removed.map((r: any) => `${r.kind} ${r.id} ${r.reason}`)).toEqual([
        `image ${image.id} made by a deploy that did not succeed: deploy/${APP}/${env} run ${output.runId} is FAILED`,
      ]);
      expect((await imageOf(image.id))?.deregistered).toBe(true);
      // Neither stranger was touched.
      expect([await stateOf(stranger), (await imageOf(strangeImage))?.deregistered]).toEqual(['stopped', false]);
    } finally {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [stranger] })).catch(() => undefined);
      await ec2.send(new DeregisterImageCommand({ ImageId: strangeImage })).catch(() => undefined);
      for (const snapshot of (await world.sandbox.control.resources()).snapshots.filter((x) => x.description.includes(strangeImage) && !x.deleted)) {
        await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshot.id })).catch(() => undefined);
      }
    }
    await until('the stranger to be terminated', async () => ((await stateOf(stranger)) === 'terminated' ? true : undefined));
    expect(await leftovers(world, env)).toEqual(NOTHING_LEFT);
  });

  it('rejects a bad --now before starting anything', async () => {
    const run = await world.cli(['reap', '--spec', world.spec(), '--now', 'tomorrow', '--json', '--task-queue', world.taskQueue]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).problems).toEqual([{ path: '--now', message: '"tomorrow" is not an ISO time (e.g. 2030-01-01T00:00:00Z)' }]);
  });
});

describe('the reaper and images left pending', () => {
  let world: DeployWorld;
  beforeAll(async () => {
    // An image stays pending for ten minutes: what a bake killed mid-CreateImage leaves behind.
    world = await startDeployWorld({ profile: 'fast', timings: { imageCreateMs: 600_000 } });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('deregisters an image left pending by a run that is over, and spares one whose run still runs', async () => {
    const env = world.uniqueEnv('pending');
    const ec2 = world.aws.ec2('us-east-1');
    const idle = `${world.taskQueue}-idle`;
    const crashed = await world.client.workflow.start('fullyImmutableDeploy', { taskQueue: idle, workflowId: `deploy/${APP}/${env}-crashed`, args: [] });
    await crashed.terminate('the worker crashed for good');
    const running = await world.client.workflow.start('fullyImmutableDeploy', { taskQueue: idle, workflowId: `deploy/${APP}/${env}-running`, args: [] });
    const builder = (await ec2.send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1 }))).Instances![0].InstanceId!;
    await until('the builder to run', async () => ((await world.sandbox.control.resources()).instances.find((i) => i.id === builder)?.state === 'running' ? true : undefined));
    const bake = async (workflowId: string, runId: string) =>
      (
        await ec2.send(
          new CreateImageCommand({
            InstanceId: builder, Name: imageNameFor(APP, '0.0.1', runId), NoReboot: true,
            TagSpecifications: [{
              ResourceType: 'image',
              Tags: [
                { Key: 'hybrid-deploy:app', Value: APP }, { Key: 'hybrid-deploy:env', Value: env }, { Key: 'hybrid-deploy:version', Value: '0.0.1' },
                { Key: 'hybrid-deploy:workflow-id', Value: workflowId }, { Key: 'hybrid-deploy:run-id', Value: runId }, { Key: 'hybrid-deploy:role', Value: 'image' },
              ],
            }],
          }),
        )
      ).ImageId!;
    const abandoned = await bake(crashed.workflowId, crashed.firstExecutionRunId);
    const underWay = await bake(running.workflowId, running.firstExecutionRunId);
    // New images are invisible to DescribeImages for a moment (eventual consistency): a reaper that cannot see them cannot judge them.
    await until('both images to be visible', async () => {
      const images = (await world.sandbox.control.resources()).images.filter((i) => i.id === abandoned || i.id === underWay);
      return images.length === 2 && images.every((i) => i.visible) ? true : undefined;
    });
    try {
      const report = await reap(world, world.spec());
      expect(report.removed.map((r: any) => `${r.kind} ${r.id} ${r.reason}`)).toEqual([
        `image ${abandoned} left pending: its deploy ${crashed.workflowId} run ${crashed.firstExecutionRunId} is TERMINATED`,
      ]);
      const images = (await world.sandbox.control.resources()).images;
      expect([abandoned, underWay].map((id) => { const i = images.find((x) => x.id === id)!; return `${i.state} deregistered=${i.deregistered}`; })).toEqual([
        'pending deregistered=true',
        'pending deregistered=false',
      ]);
    } finally {
      await running.terminate('test over').catch(() => undefined);
      await ec2.send(new DeregisterImageCommand({ ImageId: underWay })).catch(() => undefined);
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [builder] })).catch(() => undefined);
    }
  });
});
