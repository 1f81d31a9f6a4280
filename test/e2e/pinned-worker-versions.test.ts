import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { DeployChain, DurabilityWorld, waitForPhase, worldDataConverter, type StartedDeploy, type WorkerProcess } from '../../harness/durability';
import { exec } from '../../src/cli/exec';
import { ExitCode } from '../../src/cli/exit-codes';
import { packageRoot } from '../../src/package-root';
import { defaultBuildId, DEPLOYMENT_NAME_ENV } from '../../src/worker-versioning';
import { BUILD_B_TIMER } from '../workflows/fixtures/build-b/marker';

type History = temporal.api.history.v1.IHistory;

/** temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED */
const PINNED = 1;

/**
 * Pinned worker versions, end to end: build A (the real workflow bundle) and build B (a fixture
 * whose immutable and partial deploys start with a timer, so A's histories do not replay on it)
 * run as versioned production worker processes of one Worker Deployment. A deploy started on A
 * keeps running on A after B is made current, new deploys run on B, and A's version reports
 * itself drained once its deploy is done, so its workers can be retired. Versions are made current
 * through the CLI (`worker-version set-current`), as an operator would.
 *
 * Its own dev server: the server re-checks a draining version's open workflows every 3 minutes
 * (after a 3-minute grace period) by default; these dynamic config values make that seconds.
 */
describe('pinned worker versions: a deploy runs to its end on the build that started it', () => {
  let world: DurabilityWorld;
  let chain: DeployChain;
  const deploymentName = `hd-pinned-${randomUUID().slice(0, 8)}`;
  const bundleA = join(packageRoot(), 'dist', 'workflow-bundle.js');
  let bundleB: string;

  beforeAll(async () => {
    world = await DurabilityWorld.start({
      timings: { imageCreateMs: 6_000, imageCopyMs: 6_000 },
      devServer: {
        dynamicConfig: {
          'matching.wv.VersionDrainageStatusVisibilityGracePeriod': '2s',
          'matching.wv.VersionDrainageStatusRefreshInterval': '1s',
        },
      },
    });
    chain = new DeployChain(world);
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows/fixtures/build-b/workflows'), logger: new DefaultLogger('WARN') });
    bundleB = join(world.workDir, 'build-b-bundle.js');
    writeFileSync(bundleB, code);
  }, 120_000);
  afterAll(async () => {
    await world?.close();
  });

  /** A versioned production worker of this deployment; its build id is the default one, derived from the bundle. */
  const versionedWorker = (bundle: string): WorkerProcess =>
    world.spawnWorker(world.temporalAddress, world.taskQueue, { env: { [DEPLOYMENT_NAME_ENV]: deploymentName, HYBRID_DEPLOY_WORKFLOW_BUNDLE: bundle } });

  const cli = async (args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await exec(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: {}, connect: async () => world.client });
    return { code, stdout, stderr };
  };
  const setCurrent = async (buildId: string) => {
    const run = await cli(['worker-version', 'set-current', '--deployment-name', deploymentName, '--build-id', buildId, '--json']);
    expect(run).toMatchObject({ code: ExitCode.OK });
    return JSON.parse(run.stdout) as { buildId: string; previousBuildId: string | null };
  };
  const versionsReport = async () => {
    const run = await cli(['worker-version', 'describe', '--deployment-name', deploymentName, '--json']);
    expect(run.code).toBe(ExitCode.OK);
    return JSON.parse(run.stdout) as { current?: string; versions: { buildId: string; status: string; drainage?: string }[] };
  };
  const history = (deploy: StartedDeploy) => world.client.workflow.getHandle(deploy.workflowId, deploy.runId).fetchHistory();

  /** Which build ran each workflow task, how each was pinned, which workers ran the activities, and build B's timer. */
  function whoRan(events: History['events']) {
    const tasks = (events ?? []).flatMap((e) => (e.workflowTaskCompletedEventAttributes ? [e.workflowTaskCompletedEventAttributes] : []));
    return {
      builds: [...new Set(tasks.map((t) => t.deploymentVersion?.buildId))],
      behaviors: [...new Set(tasks.map((t) => t.versioningBehavior))],
      activityWorkers: [...new Set((events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [Number(e.activityTaskStartedEventAttributes.identity?.split('@')[0])] : [])))],
      buildBTimers: (events ?? []).filter((e) => e.timerStartedEventAttributes && e.userMetadata?.summary?.data && Buffer.from(e.userMetadata.summary.data).toString().includes(BUILD_B_TIMER)).length,
    };
  }

  it('keeps a running deploy on build A after build B is made current, runs new deploys on B, and reports A drained once its deploy is done', async () => {
    const buildA = defaultBuildId(bundleA);
    const buildB = defaultBuildId(bundleB);
    expect(buildA).toMatch(/^\d+\.\d+\.\d+-[0-9a-f]{12}$/);
    expect(buildB).not.toBe(buildA);

    // Build A serves the deployment and is made current (versioned workers get no new workflows before that).
    const workerA = versionedWorker(bundleA);
    await workerA.ready;
    expect(await setCurrent(buildA)).toMatchObject({ buildId: buildA, previousBuildId: null });
    // Build B's worker comes up beside it, as in a rollout: polling, but not current, so it gets nothing new.
    const workerB = versionedWorker(bundleB);
    await workerB.ready;

    // A deploy starts on A; mid-bake, B is made current.
    const onA = await world.startDeploy('immutable', chain.env, chain.nextVersion());
    expect(await waitForPhase(world.client, world.sandbox.control, onA, 'image-pending')).toBeDefined();
    expect(await setCurrent(buildB)).toMatchObject({ buildId: buildB, previousBuildId: buildA });
    // The test means something only if A's deploy was still running when B became current.
    expect((await world.client.workflow.getHandle(onA.workflowId, onA.runId).describe()).status.name).toBe('RUNNING');
    const whileRunning = await versionsReport();
    expect(whileRunning.current).toBe(buildB);
    expect(whileRunning.versions.find((v) => v.buildId === buildA)).toMatchObject({ status: 'draining' });

    // A's deploy completes on A alone: every workflow task on A, pinned, every activity on A's worker.
    const first = await chain.settle(world.client, onA, { kind: 'crash', phase: 'version-rollout', interrupted: false, notes: [] });
    expect({ completed: first.completed, error: first.error, duplicates: first.duplicates, orphans: first.orphans }).toEqual({
      completed: true,
      error: undefined,
      duplicates: { builders: 0, images: 0, fleet: 0, commands: 0 },
      orphans: { instances: [], images: [], targets: [], snapshots: [], commands: [] },
    });
    const historyA = await history(onA);
    expect(whoRan(historyA.events)).toEqual({ builds: [buildA], behaviors: [PINNED], activityWorkers: [workerA.pid], buildBTimers: 0 });
    // …and could not have moved to B: its history does not replay on B's code, but does on A's.
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: bundleB }, replayName: 'pinned-b', dataConverter: worldDataConverter() }, historyA, onA.workflowId)).rejects.toBeInstanceOf(DeterminismViolationError);
    await Worker.runReplayHistory({ workflowBundle: { codePath: bundleA }, replayName: 'pinned-a', dataConverter: worldDataConverter() }, historyA, onA.workflowId);

    // A new deploy runs on B, B's code included (its timer).
    const onB = await world.startDeploy('partial', chain.env, chain.nextVersion());
    const second = await chain.settle(world.client, onB, { kind: 'crash', phase: 'version-rollout', interrupted: false, notes: [] });
    expect({ completed: second.completed, error: second.error, orphans: second.orphans }).toEqual({ completed: true, error: undefined, orphans: { instances: [], images: [], targets: [], snapshots: [], commands: [] } });
    expect(whoRan((await history(onB)).events)).toEqual({ builds: [buildB], behaviors: [PINNED], activityWorkers: [workerB.pid], buildBTimers: 1 });

    // Nothing runs on A any more: the server reports it drained, and its workers can be retired.
    let drained;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
      drained = (await versionsReport()).versions.find((v) => v.buildId === buildA);
      if (drained?.status === 'drained') break;
    }
    expect(drained).toMatchObject({ status: 'drained', drainage: 'drained' });
    const text = await cli(['worker-version', 'describe', '--deployment-name', deploymentName]);
    expect(text.stdout).toContain(`${deploymentName}: current ${buildB}`);
    expect(text.stdout).toContain(`${buildA}  drained: no deploy runs on it, its workers can be retired`);
    await workerA.stop();
    expect(workerA.alive()).toBe(false);
  }, 300_000);

  it('refuses to make current a build no worker polls, saying which workers to start', async () => {
    const run = await cli(['worker-version', 'set-current', '--deployment-name', `${deploymentName}-none`, '--build-id', 'never-started', '--wait-seconds', '1']);
    expect(run.code).toBe(ExitCode.SYSTEM_ERROR);
    expect(run.stderr).toContain(`no worker of ${deploymentName}-none:never-started has polled within 1s`);
    expect(run.stderr).toContain(`${DEPLOYMENT_NAME_ENV}=${deploymentName}-none HYBRID_DEPLOY_BUILD_ID=never-started npm run worker`);
    const describe = await cli(['worker-version', 'describe', '--deployment-name', `${deploymentName}-none`]);
    expect(describe.code).toBe(ExitCode.INVALID_INPUT);
    expect(describe.stderr).toContain(`no Worker Deployment ${deploymentName}-none`);
  });

  it('rejects a deployment name Temporal would refuse before connecting (exit 2, the flag named)', async () => {
    let connected = false;
    let stderr = '';
    const code = await exec(['worker-version', 'set-current', '--deployment-name', 'shop.prod', '--build-id', '__x'], {
      stdout: () => undefined,
      stderr: (s) => (stderr += s),
      env: {},
      connect: async () => {
        connected = true;
        return world.client;
      },
    });
    expect({ code, connected }).toEqual({ code: ExitCode.INVALID_INPUT, connected: false });
    expect(stderr).toContain('--deployment-name: "shop.prod" contains "." or ":"');
    expect(stderr).toContain('--build-id: "__x" starts with "__"');
  });
});
