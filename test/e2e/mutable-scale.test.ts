import type { Client } from '@temporalio/client';
import { loadDeploySpec } from '../../src/request/load';
import type { DeployRequest } from '../../src/contracts';
import { deployArgs, startDeployWorld, type DeployWorld } from '../helpers/deploy-world';
import { fleetOf, versionsRunning } from '../helpers/outcomes';

const FLEET = 100;

/**
 * The runs of one deploy's rolling sync in a region, read from the histories themselves (never
 * from visibility, which may lag): the run the deploy started, then each run it continued as new
 * into, with its history length.
 */
async function childRunsOf(client: Client, deployWorkflowId: string, deployRunId: string, region: string): Promise<{ runId: string; events: number }[]> {
  const parent = (await client.workflow.getHandle(deployWorkflowId, deployRunId).fetchHistory()).events ?? [];
  const childId = `${deployWorkflowId}/${region}`;
  const started = parent.find((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId === childId);
  let runId = started?.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.runId ?? undefined;
  expect({ childStarted: !!runId }).toEqual({ childStarted: true });
  const runs: { runId: string; events: number }[] = [];
  while (runId) {
    const events = (await client.workflow.getHandle(childId, runId).fetchHistory()).events ?? [];
    runs.push({ runId, events: events.length });
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

/** The history length of one run. */
async function eventsOf(client: Client, workflowId: string, runId: string): Promise<number> {
  return ((await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? []).length;
}

describe(`a mutable deploy over ${FLEET} instances`, () => {
  let world: DeployWorld;
  const env = 'scale';
  const figures: Record<string, unknown> = {};
  let specFile: string;

  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'fast', maxInstances: 2 * FLEET + 10 });
    specFile = world.spec((s) => {
      s.regions = ['us-east-1'];
      delete s.regionSettings['us-west-2'];
      s.regionSettings['us-east-1'].desiredCount = FLEET;
      s.postDeploy = [];
    });
  });
  afterAll(async () => {
    console.log(`history figures: ${JSON.stringify(figures)}`);
    await world?.close();
  });

  it(`launches ${FLEET} instances with an immutable deploy`, async () => {
    const run = await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0', spec: specFile }));
    expect({ code: run.code, err: run.code ? run.stdout + run.stderr : '' }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(run.stdout).result.regions[0].instanceIds).toHaveLength(FLEET);
  }, 600_000);

  it('rolls v2 over them in batches of 10 and every instance ends on v2', async () => {
    const run = await world.cli(deployArgs(world, { procedure: 'mutable', env, version: '2.0.0', spec: specFile, extra: ['--batch-size', '10', '--min-healthy', '90%'] }));
    expect({ code: run.code, err: run.code ? run.stdout + run.stderr : '' }).toEqual({ code: 0, err: '' });
    const fleet = await fleetOf(world, env, 'us-east-1');
    expect(fleet).toHaveLength(FLEET);
    // What every instance serves, asked of each one directly, and the tag that says so.
    expect(new Set(await versionsRunning(fleet))).toEqual(new Set(['2.0.0']));
    expect(new Set(fleet.map((i) => i.tags['hybrid-deploy:version']))).toEqual(new Set(['2.0.0']));
    expect(await world.servedVersion('us-east-1')).toBe('2.0.0');

    const { workflowId, runId } = JSON.parse(run.stdout) as { workflowId: string; runId: string };
    const parentEvents = await eventsOf(world.client, workflowId, runId);
    const child = await childRunsOf(world.client, workflowId, runId, 'us-east-1');
    figures.batchesOf10 = { parentEvents, childRuns: child.map((r) => r.events) };
    // The parent stays small whatever the fleet size; the region's child holds ~10 batches.
    expect(parentEvents).toBeLessThan(200);
    expect(child.length).toBeGreaterThan(0);
    expect(Math.max(...child.map((r) => r.events))).toBeLessThan(10_240);
  }, 600_000);

  it('continues as new when the history budget is small, and still finishes every batch', async () => {
    const { url, sha256 } = world.artifact('3.0.0');
    const request: DeployRequest = {
      procedure: 'mutable',
      spec: loadDeploySpec(specFile),
      env,
      version: '3.0.0',
      artifact: { url, sha256 },
      rollout: { batchSize: 10, minHealthy: '90%' },
      limits: { historyEventsPerRun: 150 },
    };
    const handle = await world.client.workflow.start('mutableDeploy', {
      taskQueue: world.taskQueue,
      workflowId: `deploy/example-app/${env}`,
      args: [request],
    });
    await handle.result();
    const fleet = await fleetOf(world, env, 'us-east-1');
    expect(fleet).toHaveLength(FLEET);
    expect(new Set(await versionsRunning(fleet))).toEqual(new Set(['3.0.0']));
    expect(new Set(fleet.map((i) => i.tags['hybrid-deploy:version']))).toEqual(new Set(['3.0.0']));
    const child = await childRunsOf(world.client, handle.workflowId, handle.firstExecutionRunId, 'us-east-1');
    figures.budget150 = { childRuns: child.map((r) => r.events) };
    expect(child.length).toBeGreaterThan(1);
    expect(Math.max(...child.map((r) => r.events))).toBeLessThan(10_240);
  }, 600_000);
});
