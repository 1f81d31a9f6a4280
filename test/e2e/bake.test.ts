import { ScheduleOverlapPolicy } from '@temporalio/client';
import { DeployApp, DeployEnv, DeployProcedure } from '../../src/contracts';
import { deployArgs, startDeployWorld, type DeployWorld } from '../helpers/deploy-world';
import { until } from '../helpers/outcomes';

describe('the nightly bake: the bake and the copies alone, now or on a Temporal Schedule', () => {
  let world: DeployWorld;
  const schedules: string[] = [];
  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'fast' });
  });
  afterAll(async () => {
    for (const id of schedules) await world.client.schedule.getHandle(id).delete().catch(() => undefined);
    await world?.close();
  });

  const bakeArgs = (env: string, version: string, extra: string[] = []) => {
    const { url, sha256 } = world.artifact(version);
    // Every bake here bakes (no image of an earlier test reused): the tests are about the bake.
    return ['bake', '--spec', world.spec(), '--env', env, '--version', version, '--artifact', url, '--sha256', sha256, '--force-bake', '--json', ...extra, '--task-queue', world.taskQueue];
  };
  const imagesOf = async (env: string, version: string) =>
    (await world.sandbox.control.resources()).images.filter((i) => i.tags['hybrid-deploy:env'] === env && i.tags['hybrid-deploy:version'] === version && !i.deregistered);

  /** An env where 7.0.1 is live (the first test deploys it). */
  let liveEnv: string;
  /** The artifact URL template of the example app's builds: `…/example-app-{version}.tar.gz`. */
  const template = (version: string) => world.artifact(version).url.replace(`-${version}.tar.gz`, '-{version}.tar.gz');

  it('bakes into the catalog of every region and leaves no instance running; partial deploys then launch from it', async () => {
    const env = world.uniqueEnv('bake');
    liveEnv = env;
    const run = await world.cli(bakeArgs(env, '7.0.0', ['--wait']));
    expect({ code: run.code, err: run.code ? run.stdout + run.stderr : '' }).toEqual({ code: 0, err: '' });
    const images = await imagesOf(env, '7.0.0');
    expect(images.map((i) => [i.region, i.state]).sort()).toEqual([['us-east-1', 'available'], ['us-west-2', 'available']]);
    for (const image of images) {
      expect(Object.keys(image.tags)).toEqual(expect.arrayContaining(['hybrid-deploy:base-image', 'hybrid-deploy:baked-at', 'hybrid-deploy:workflow-id']));
    }
    const instances = (await world.sandbox.control.resources()).instances.filter((i) => i.tags['hybrid-deploy:env'] === env);
    expect(instances.map((i) => `${i.tags['hybrid-deploy:role']}:${i.state}`)).toEqual(['builder:terminated']);

    // The catalog's newest image is this bake's: a partial deploy launches from it.
    const partial = await world.cli(deployArgs(world, { procedure: 'partial', env, version: '7.0.1' }));
    expect({ code: partial.code, err: partial.code ? partial.stdout + partial.stderr : '' }).toEqual({ code: 0, err: '' });
    const result = JSON.parse(partial.stdout).result;
    expect(result.regions.map((r: { imageId: string }) => r.imageId).sort()).toEqual(images.map((i) => i.id).sort());
    expect(await world.servedVersion('us-east-1')).toBe('7.0.1');
  });

  it('follows the release: with {version} in --artifact and no --version, it bakes the version live in the env, checked against its .sha256', async () => {
    const run = await world.cli(['bake', '--spec', world.spec(), '--env', liveEnv, '--artifact', template('7.0.1'), '--wait', '--json', '--task-queue', world.taskQueue]);
    expect({ code: run.code, err: run.code ? run.stdout + run.stderr : '' }).toEqual({ code: 0, err: '' });
    const output = JSON.parse(run.stdout);
    expect(output).toMatchObject({ version: '7.0.1', result: { version: '7.0.1' } });
    const images = await imagesOf(liveEnv, '7.0.1');
    expect(images.map((i) => [i.region, i.state, i.tags['hybrid-deploy:workflow-id']]).sort()).toEqual([
      ['us-east-1', 'available', `bake/example-app/${liveEnv}`],
      ['us-west-2', 'available', `bake/example-app/${liveEnv}`],
    ]);
    // The run says where it found the version, and so does status, beside the deploy.
    const status = await world.cli(['status', 'example-app', liveEnv, '--json']);
    const report = JSON.parse(status.stdout);
    expect(report.workflowId).toBe(`deploy/example-app/${liveEnv}`);
    expect(report.bake).toMatchObject({ workflowId: `bake/example-app/${liveEnv}`, outcome: 'succeeded', status: { version: '7.0.1', releaseFoundIn: 'the live fleet in us-east-1' } });
    const text = await world.cli(['status', 'example-app', liveEnv]);
    expect(text.stdout).toContain(`\nbake/example-app/${liveEnv}: succeeded\n`);
    expect(text.stdout).toContain('  release: 7.0.1, found in the live fleet in us-east-1\n');
  });

  it('a bake of the live release fails before launching anything when nothing is live and the catalog is empty', async () => {
    const env = world.uniqueEnv('empty');
    const spec = world.spec((s) => {
      s.app = `nothing-${env}`;
    });
    const run = await world.cli(['bake', '--spec', spec, '--env', env, '--artifact', template('7.0.1'), '--wait', '--json', '--task-queue', world.taskQueue]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).error).toMatch(new RegExp(`^nothing of nothing-${env} is live in ${env} and no image is in the catalog of us-east-1: deploy a release first, or bake a fixed one with --version$`));
    expect((await world.sandbox.control.resources()).instances.filter((i) => i.tags['hybrid-deploy:env'] === env)).toEqual([]);
  });

  it('cancel --bake stops a running bake, which undoes what it made', async () => {
    const env = world.uniqueEnv('cancelbake');
    const started = await world.cli(bakeArgs(env, '7.2.0'));
    expect(started.code).toBe(0);
    const refused = await world.cli(['cancel', 'example-app', env]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`a bake of example-app/${env} is running: hybrid-deploy cancel example-app ${env} --bake`);
    const cancelled = await world.cli(['cancel', 'example-app', env, '--bake', '--wait', '--json']);
    expect({ code: cancelled.code, err: cancelled.code ? cancelled.stdout + cancelled.stderr : '' }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ workflowId: `bake/example-app/${env}`, status: 'CANCELLED' });
    const alive = (await world.sandbox.control.resources()).instances.filter((i) => i.tags['hybrid-deploy:env'] === env && i.state !== 'terminated');
    expect(alive).toEqual([]);
  });

  it('a schedule that follows the release carries a note, the search attributes and the runs\' Web UI summary; each run bakes what is live', async () => {
    const created = await world.cli(['bake', '--spec', world.spec(), '--env', liveEnv, '--artifact', template('7.0.1'), '--schedule', '0 4 * * *', '--json', '--task-queue', world.taskQueue]);
    expect({ code: created.code, err: created.code ? created.stderr : '' }).toEqual({ code: 0, err: '' });
    const { scheduleId, note, followsLiveRelease } = JSON.parse(created.stdout);
    schedules.push(scheduleId);
    expect(followsLiveRelease).toBe(true);
    const handle = world.client.schedule.getHandle(scheduleId);
    const description = await handle.describe();
    expect(description.state.note).toBe(note);
    expect(note).toMatch(new RegExp(`^bakes the release live in ${liveEnv} \\(artifact file:///.*example-app-\\{version\\}\\.tar\\.gz\\) onto the newest base image, so partial deploys launch from a freshly patched image; set up by \\S+@\\S+$`));
    expect(description.typedSearchAttributes.get(DeployApp)).toBe('example-app');
    expect(description.typedSearchAttributes.get(DeployEnv)).toBe(liveEnv);
    expect(description.typedSearchAttributes.get(DeployProcedure)).toBe('bake');
    const action = description.action as { staticSummary?: string; staticDetails?: string };
    expect(action.staticSummary).toBe(`bake example-app (live release) → ${liveEnv}`);
    expect(action.staticDetails).toContain(`| schedule | \`${scheduleId}\`: \`0 4 * * *\` (UTC) |`);

    // The night's run finds 7.0.1 live; the base image and the release are what the bake above
    // baked, so it reuses that image (its bake key) rather than baking the same image again.
    const baked = await imagesOf(liveEnv, '7.0.1');
    await handle.trigger();
    const run = await until('the schedule to start a run', async () => (await handle.describe()).info.recentActions.at(-1)?.action.workflow);
    const result = await world.client.workflow.getHandle(run.workflowId, run.firstExecutionRunId).result();
    expect(run.workflowId).toMatch(new RegExp(`^bake/example-app/${liveEnv}-`));
    expect(result).toMatchObject({ version: '7.0.1', reusedImage: { imageId: baked.find((i) => i.region === 'us-east-1')!.id } });
    expect((await imagesOf(liveEnv, '7.0.1')).map((i) => i.id).sort()).toEqual(baked.map((i) => i.id).sort());
  });

  it('creates a schedule with safe policies, updates it in place, and a triggered run bakes', async () => {
    const env = world.uniqueEnv('nightly');
    const created = await world.cli(bakeArgs(env, '8.0.0', ['--schedule', '0 3 * * *']));
    expect(created.code).toBe(0);
    const { scheduleId, created: wasCreated, nextRuns } = JSON.parse(created.stdout);
    schedules.push(scheduleId);
    expect(wasCreated).toBe(true);
    expect(nextRuns.length).toBeGreaterThan(0);
    expect(nextRuns[0]).toMatch(/T03:00:00/);

    const updated = await world.cli(bakeArgs(env, '8.0.1', ['--schedule', '30 2 * * *']));
    expect(JSON.parse(updated.stdout).created).toBe(false);
    const handle = world.client.schedule.getHandle(scheduleId);
    const description = await handle.describe();
    expect(description.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(description.policies.pauseOnFailure).toBe(true);
    expect(description.policies.catchupWindow).toBe(3_600_000);
    expect(description.spec.calendars?.length ?? 0).toBeGreaterThan(0);

    await handle.trigger();
    let images: Awaited<ReturnType<typeof imagesOf>> = [];
    for (let i = 0; i < 120 && images.filter((x) => x.state === 'available').length < 2; i++) {
      await new Promise((r) => setTimeout(r, 500));
      images = await imagesOf(env, '8.0.1');
    }
    expect(images.map((i) => i.state)).toEqual(['available', 'available']);
  });

  it('refuses a malformed schedule before creating anything', async () => {
    const env = world.uniqueEnv('bad');
    const run = await world.cli(bakeArgs(env, '9.0.0', ['--schedule', 'every night']));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--schedule: "every night" is not a five-field cron expression/);
    await expect(world.client.schedule.getHandle(`nightly-bake/example-app/${env}`).describe()).rejects.toThrow();
  });
});
