import { ScheduleOverlapPolicy } from '@temporalio/client';
import { deployArgs, startDeployWorld, type DeployWorld } from '../helpers/deploy-world';

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
    return ['bake', '--spec', world.spec(), '--env', env, '--version', version, '--artifact', url, '--sha256', sha256, '--json', ...extra, '--task-queue', world.taskQueue];
  };
  const imagesOf = async (env: string, version: string) =>
    (await world.sandbox.control.resources()).images.filter((i) => i.tags['hybrid-deploy:env'] === env && i.tags['hybrid-deploy:version'] === version && !i.deregistered);

  it('bakes into the catalog of every region and leaves no instance running; partial deploys then launch from it', async () => {
    const env = world.uniqueEnv('bake');
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
