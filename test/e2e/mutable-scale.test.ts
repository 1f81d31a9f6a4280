import type { Client } from '@temporalio/client';
import { loadDeploySpec } from '../../src/request/load';
import type { DeployRequest } from '../../src/contracts';
import { deployArgs, startDeployWorld, type DeployWorld } from '../helpers/deploy-world';

const FLEET = 100;

/** Every run of a workflow id (continue-as-new makes several) with its history length. */
async function runsOf(client: Client, workflowId: string): Promise<{ runId: string; events: number }[]> {
  const runs: { runId: string; events: number }[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    runs.push({ runId: execution.runId, events: execution.historyLength });
  }
  return runs;
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
    const fleet = (await world.sandbox.control.resources()).instances.filter((i) => i.tags['hybrid-deploy:env'] === env && i.state === 'running');
    expect(fleet).toHaveLength(FLEET);
    expect(new Set(fleet.map((i) => i.tags['hybrid-deploy:version']))).toEqual(new Set(['2.0.0']));
    expect(await world.servedVersion('us-east-1')).toBe('2.0.0');

    const parent = await runsOf(world.client, `deploy/example-app/${env}`);
    const child = await runsOf(world.client, `deploy/example-app/${env}/us-east-1`);
    figures.batchesOf10 = { parentEvents: parent.find((r) => r.events > 0 && r.runId)?.events, childRuns: child.map((r) => r.events) };
    // The parent stays small whatever the fleet size; the region's child holds ~10 batches.
    const latestParent = (await world.client.workflow.getHandle(`deploy/example-app/${env}`).describe()).historyLength;
    expect(latestParent).toBeLessThan(200);
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
    await world.client.workflow.execute('mutableDeploy', {
      taskQueue: world.taskQueue,
      workflowId: `deploy/example-app/${env}`,
      args: [request],
    });
    const fleet = (await world.sandbox.control.resources()).instances.filter((i) => i.tags['hybrid-deploy:env'] === env && i.state === 'running');
    expect(new Set(fleet.map((i) => i.tags['hybrid-deploy:version']))).toEqual(new Set(['3.0.0']));
    const child = await runsOf(world.client, `deploy/example-app/${env}/us-east-1`);
    const runsOfThisDeploy = child.length - ((figures.batchesOf10 as { childRuns: number[] }).childRuns.length);
    figures.budget150 = { childRuns: child.map((r) => r.events) };
    expect(runsOfThisDeploy).toBeGreaterThan(1);
    expect(Math.max(...child.map((r) => r.events))).toBeLessThan(10_240);
  }, 600_000);
});
