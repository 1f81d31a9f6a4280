import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScheduleOverlapPolicy, type ScheduleDescription, type ScheduleHandle } from '@temporalio/client';
import { DeployApp, DeployEnv, DeployProcedure } from '../../src/contracts';
import { deployArgs, startDeployWorld, type DeployWorld } from '../helpers/deploy-world';
import { until } from '../helpers/outcomes';

/** A time's hour and minute as the clock on the wall of `timeZone` shows them (`03:00`). */
function wallClock(time: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(time);
}

/** 03:00 UTC of the day `daysAgo` days before today: a night of a `0 3 * * *` schedule. */
function nightOf(daysAgo: number): Date {
  return new Date(Date.parse(`${new Date().toISOString().slice(0, 10)}T03:00:00Z`) - daysAgo * 24 * 3_600_000);
}

/**
 * Has the schedule start the runs of the given past nights now, as it starts a scheduled run:
 * under its own overlap policy (a backfill with none given). A run triggered by hand is started
 * "allow all" instead, which Temporal neither checks for overlap nor watches for pause-on-failure.
 */
async function runNights(handle: ScheduleHandle, nights: Date[]): Promise<void> {
  await handle.backfill({ start: new Date(nights[0].getTime() - 60_000), end: new Date(nights[nights.length - 1].getTime() + 60_000) });
}

/** The wall-clock times (in the schedule's own zone and in UTC) of a schedule's next runs. */
function nextRunsOf(description: ScheduleDescription, timeZone: string): { local: string[]; utc: string[] } {
  const times = description.info.nextActionTimes;
  expect(times.length).toBeGreaterThan(0);
  return { local: [...new Set(times.map((t) => wallClock(t, timeZone)))], utc: [...new Set(times.map((t) => wallClock(t, 'UTC')))] };
}

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

  const bakeArgs = (env: string, version: string, extra: string[] = [], spec = world.spec()) => {
    const { url, sha256 } = world.artifact(version);
    // Every bake here bakes (no image of an earlier test reused): the tests are about the bake.
    return ['bake', '--spec', spec, '--env', env, '--version', version, '--artifact', url, '--sha256', sha256, '--force-bake', '--json', ...extra, '--task-queue', world.taskQueue];
  };
  /** Images of the env and version that are available, once there are `count` of them. */
  const availableImages = (env: string, version: string, count: number) =>
    until(`${count} available image(s) of ${env} ${version}`, async () => {
      const images = (await imagesOf(env, version)).filter((i) => i.state === 'available');
      return images.length >= count ? images : undefined;
    }, 120);
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

  it('creates a schedule with safe policies, updates it in place (the new cron and release), and a triggered run bakes', async () => {
    const env = world.uniqueEnv('nightly');
    const created = await world.cli(bakeArgs(env, '8.0.0', ['--schedule', '0 3 * * *']));
    expect(created.code).toBe(0);
    const { scheduleId, created: wasCreated, nextRuns } = JSON.parse(created.stdout);
    schedules.push(scheduleId);
    expect(wasCreated).toBe(true);
    expect(nextRuns.length).toBeGreaterThan(0);
    expect(nextRuns[0]).toMatch(/T03:00:00/);
    const handle = world.client.schedule.getHandle(scheduleId);
    expect(nextRunsOf(await handle.describe(), 'UTC').utc).toEqual(['03:00']);

    const updated = await world.cli(bakeArgs(env, '8.0.1', ['--schedule', '30 2 * * *']));
    expect(JSON.parse(updated.stdout)).toMatchObject({ created: false, cron: '30 2 * * *', nextRuns: [expect.stringMatching(/T02:30:00/), expect.anything(), expect.anything()] });
    const description = await handle.describe();
    // The schedule Temporal holds now runs at the new time, every night.
    expect(nextRunsOf(description, 'UTC').utc).toEqual(['02:30']);
    expect(description.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(description.policies.pauseOnFailure).toBe(true);
    expect(description.policies.catchupWindow).toBe(3_600_000);

    await handle.trigger();
    const images = await availableImages(env, '8.0.1', 2);
    expect(images.map((i) => i.region).sort()).toEqual(['us-east-1', 'us-west-2']);
  });

  it('runs a schedule at its hour in the --timezone given, not in UTC', async () => {
    const env = world.uniqueEnv('tz');
    const created = await world.cli(bakeArgs(env, '8.1.0', ['--schedule', '0 3 * * *', '--timezone', 'Asia/Kolkata']));
    expect({ code: created.code, err: created.code ? created.stderr : '' }).toEqual({ code: 0, err: '' });
    const { scheduleId, timezone } = JSON.parse(created.stdout);
    schedules.push(scheduleId);
    expect(timezone).toBe('Asia/Kolkata');
    const description = await world.client.schedule.getHandle(scheduleId).describe();
    expect(description.spec.timezone).toBe('Asia/Kolkata');
    // 03:00 in Kolkata (UTC+05:30, no daylight saving) is 21:30 UTC the evening before.
    expect(nextRunsOf(description, 'Asia/Kolkata')).toEqual({ local: ['03:00'], utc: ['21:30'] });
  });

  it('pauses itself after a bake that really failed, and updating it keeps it paused', async () => {
    const env = world.uniqueEnv('pause');
    // A base image that does not exist: the bake fails at its first step, having made nothing.
    const failing = world.spec((s) => (s.baseImage = 'ami-0000000000000dead'));
    const created = await world.cli(bakeArgs(env, '8.2.0', ['--schedule', '0 3 * * *'], failing));
    expect(created.code).toBe(0);
    const { scheduleId } = JSON.parse(created.stdout);
    schedules.push(scheduleId);
    const handle = world.client.schedule.getHandle(scheduleId);
    expect((await handle.describe()).state.paused).toBe(false);

    await runNights(handle, [nightOf(1)]);
    const run = await until('last night\'s bake to close', async () => {
      const action = (await handle.describe()).info.recentActions[0]?.action;
      const description = action && (await world.client.workflow.getHandle(action.workflow.workflowId, action.workflow.firstExecutionRunId).describe());
      return description && description.status.name !== 'RUNNING' ? description : undefined;
    });
    expect(run.status.name).toBe('FAILED');
    await until('the schedule to pause itself', async () => ((await handle.describe()).state.paused ? true : undefined));

    // The same command again (the cause not fixed): the schedule is updated and stays paused.
    const again = await world.cli(bakeArgs(env, '8.2.1', ['--schedule', '0 4 * * *'], failing));
    expect(JSON.parse(again.stdout).created).toBe(false);
    const after = await handle.describe();
    expect({ paused: after.state.paused, utc: nextRunsOf(after, 'UTC').utc }).toEqual({ paused: true, utc: ['04:00'] });
    expect((await world.sandbox.control.resources()).instances.filter((i) => i.tags['hybrid-deploy:env'] === env)).toEqual([]);
  });

  it('skips a scheduled run while the previous bake still runs (two missed nights backfilled: one bake)', async () => {
    const env = world.uniqueEnv('overlap');
    const gates = mkdtempSync(join(tmpdir(), 'hd-gate-'));
    const gate = join(gates, 'open');
    try {
      // The bake waits on the builder until the test opens the gate: it is surely still running at the second night.
      const slow = world.spec((s) => (s.bake.commands = [...s.bake.commands, `until [ -e ${gate} ]; do sleep 0.1; done`]));
      const created = await world.cli(bakeArgs(env, '8.3.0', ['--schedule', '0 3 * * *'], slow));
      expect(created.code).toBe(0);
      const { scheduleId } = JSON.parse(created.stdout);
      schedules.push(scheduleId);
      const handle = world.client.schedule.getHandle(scheduleId);
      await runNights(handle, [nightOf(2), nightOf(1)]);
      const skipped = await until('the second night to be skipped', async () => {
        const { info } = await handle.describe();
        return info.numActionsSkippedOverlap > 0 ? info : undefined;
      });
      expect({ skipped: skipped.numActionsSkippedOverlap, running: skipped.runningActions.length, taken: skipped.numActionsTaken }).toEqual({ skipped: 1, running: 1, taken: 1 });
      writeFileSync(gate, '');
      const images = await availableImages(env, '8.3.0', 2);
      const makers = new Set(images.map((i) => i.tags['hybrid-deploy:workflow-id']));
      expect([...makers]).toEqual([skipped.runningActions[0].workflow.workflowId]);
    } finally {
      writeFileSync(gate, '');
      rmSync(gates, { recursive: true, force: true });
    }
  });

  it('refuses a malformed schedule before creating anything', async () => {
    const env = world.uniqueEnv('bad');
    const run = await world.cli(bakeArgs(env, '9.0.0', ['--schedule', 'every night']));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--schedule: "every night" is not a five-field cron expression/);
    await expect(world.client.schedule.getHandle(`nightly-bake/example-app/${env}`).describe()).rejects.toThrow();
  });
});
