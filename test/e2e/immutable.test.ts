import { deployArgs, leftovers, startDeployWorld, type CliRun, type DeployWorld, NOTHING_LEFT } from '../helpers/deploy-world';

const REGIONS = ['us-east-1', 'us-west-2'];

/** A successful CLI run's JSON document (the stderr is shown when it was not a success). */
function succeeded(run: CliRun): any {
  expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(run.stdout);
}

/** What each region's load balancer serves over several requests (its proxy round-robins over the targets). */
async function served(world: DeployWorld, requests = 6): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const region of REGIONS) {
    out[region] = [];
    for (let i = 0; i < requests; i++) out[region].push(await world.servedVersion(region));
  }
  return out;
}

/** Waits (up to 30 s) until an instance of the env in this role is in this state; its id. */
async function waitForInstance(world: DeployWorld, env: string, role: string, state: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { instances } = await world.sandbox.control.resources();
    const found = instances.find((i) => i.tags['hybrid-deploy:env'] === env && i.tags['hybrid-deploy:role'] === role && i.state === state);
    if (found) return found.id;
    if (Date.now() > deadline) throw new Error(`no ${role} of ${env} became ${state} within 30 s: ${JSON.stringify(instances.map((i) => [i.id, i.tags, i.state]))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const allServe = (version: string, requests = 6) => Object.fromEntries(REGIONS.map((r) => [r, Array(requests).fill(version)]));

describe('the fully immutable procedure, end to end through the CLI', () => {
  let world: DeployWorld;
  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'fast' });
  });
  afterEach(async () => {
    // Every env deploys into the same target group per region: start each test with empty ones.
    await world?.clearInstances();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('bakes, copies and launches in two regions; the load balancers serve the new version; the builder is gone', async () => {
    const env = world.uniqueEnv();
    const run = await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0' }));
    const output = succeeded(run);
    expect(output.result.regions).toHaveLength(2);
    expect(await world.servedVersion('us-east-1')).toBe('1.0.0');
    expect(await world.servedVersion('us-west-2')).toBe('1.0.0');

    const { instances, images } = await world.sandbox.control.resources();
    const mine = instances.filter((i: any) => i.tags?.['hybrid-deploy:env'] === env);
    const builders = mine.filter((i: any) => i.tags?.['hybrid-deploy:role'] === 'builder');
    expect(builders.map((b: any) => b.state)).toEqual(['terminated']);
    const live = mine.filter((i: any) => i.tags?.['hybrid-deploy:role'] === 'fleet' && i.state === 'running');
    expect(live).toHaveLength(4);
    const baked = images.filter((i: any) => i.tags?.['hybrid-deploy:env'] === env && i.state === 'available');
    expect(baked.map((i: any) => i.region).sort()).toEqual(['us-east-1', 'us-west-2']);

    // Left behind: exactly the live fleet and the catalog's images; no running workflow.
    expect(await leftovers(world, env)).toEqual({
      ...NOTHING_LEFT,
      instances: live.map((i) => i.id).sort(),
      images: baked.map((i) => i.id).sort(),
      // Each image's own snapshot, and nothing else.
      snapshots: baked.flatMap((i) => i.snapshotIds).sort(),
    });
  });

  it('a second deploy replaces the first fleet: new instances registered healthy and serving, the old ones terminated', async () => {
    const env = world.uniqueEnv();
    const first = succeeded(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0' })));
    const firstByRegion: Record<string, string[]> = Object.fromEntries(first.result.regions.map((r: any) => [r.region, [...r.instanceIds].sort()]));
    expect(Object.values(firstByRegion).map((ids) => ids.length)).toEqual([2, 2]);
    expect(await served(world)).toEqual(allServe('1.0.0'));

    const second = succeeded(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.1' })));
    const secondByRegion: Record<string, string[]> = Object.fromEntries(second.result.regions.map((r: any) => [r.region, [...r.instanceIds].sort()]));
    // The result names what it retired: the first fleet, region by region.
    expect(Object.fromEntries(second.result.regions.map((r: any) => [r.region, [...r.retiredInstanceIds].sort()]))).toEqual(firstByRegion);

    const { instances, images, targetGroups } = await world.sandbox.control.resources();
    const byId = new Map(instances.map((i) => [i.id, i]));
    const firstFleet = Object.values(firstByRegion).flat();
    const newFleet = Object.values(secondByRegion).flat();
    expect(firstFleet.map((id) => byId.get(id)?.state)).toEqual(['terminated', 'terminated', 'terminated', 'terminated']);
    for (const region of REGIONS) {
      const fleet = secondByRegion[region];
      expect(fleet).toHaveLength(2);
      expect(fleet.map((id) => byId.get(id)).map((i) => [i?.region, i?.state, i?.tags['hybrid-deploy:role'], i?.tags['hybrid-deploy:version']])).toEqual([
        [region, 'running', 'fleet', '1.0.1'],
        [region, 'running', 'fleet', '1.0.1'],
      ]);
      // The region's target group holds exactly the new fleet among this env's instances, all healthy.
      const group = targetGroups.find((g) => g.region === region && g.name === 'example-web')!;
      const envTargets = group.registrations.filter((r) => byId.get(r.targetId)?.tags['hybrid-deploy:env'] === env);
      expect(envTargets.map((r) => [r.targetId, r.state]).sort()).toEqual(fleet.map((id) => [id, 'healthy']));
    }
    expect(await served(world)).toEqual(allServe('1.0.1'));

    // Left behind: the new fleet and the catalog (both versions' images, each in both regions).
    const catalog = images.filter((i) => i.tags['hybrid-deploy:env'] === env);
    expect(catalog.map((i) => `${i.tags['hybrid-deploy:version']} ${i.region} ${i.state}`).sort()).toEqual([
      '1.0.0 us-east-1 available',
      '1.0.0 us-west-2 available',
      '1.0.1 us-east-1 available',
      '1.0.1 us-west-2 available',
    ]);
    expect(await leftovers(world, env)).toEqual({
      ...NOTHING_LEFT,
      instances: [...newFleet].sort(),
      images: catalog.map((i) => i.id).sort(),
      snapshots: catalog.flatMap((i) => i.snapshotIds).sort(),
    });
  });

  it('a concurrent deploy of the same app and env exits 3 naming the running run; cancelling the first leaves nothing', async () => {
    const env = world.uniqueEnv();
    const started = succeeded(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0', wait: false })));
    expect(started).toMatchObject({ workflowId: `deploy/example-app/${env}`, runId: expect.any(String) });
    // Let it get under way (its builder up), so the conflict is with a deploy that is doing things
    // and the cancellation below has real work to undo.
    const builder = await waitForInstance(world, env, 'builder', 'running');


    const second = await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.1' }));
    expect(second.code).toBe(3);
    const conflict = JSON.parse(second.stdout);
    expect(conflict).toMatchObject({ code: 'DEPLOY_CONFLICT', workflowId: started.workflowId, runId: started.runId });
    expect(conflict.error).toContain(`workflow ${started.workflowId} run ${started.runId}`);
    expect(second.stderr).toContain(started.runId);

    // The running deploy was not disturbed, and no second one started.
    const description = await world.client.workflow.getHandle(started.workflowId).describe();
    expect([description.runId, description.status.name]).toEqual([started.runId, 'RUNNING']);

    const cancel = await world.cli(['cancel', 'example-app', env, '--wait', '--json']);
    expect({ code: cancel.code, stderr: cancel.code === 0 ? '' : cancel.stderr }).toEqual({ code: 0, stderr: '' });
    const cancelled = JSON.parse(cancel.stdout);
    expect(cancelled).toMatchObject({ workflowId: started.workflowId, runId: started.runId, status: 'CANCELLED' });
    expect(cancelled.compensation).toContain('ok: terminate the builder in us-east-1');
    expect(cancelled.compensation.filter((line: string) => !line.startsWith('ok: '))).toEqual([]);
    const { instances } = await world.sandbox.control.resources();
    expect(instances.find((i) => i.id === builder)?.state).toBe('terminated');

    expect(await leftovers(world, env)).toEqual(NOTHING_LEFT);
  });
});
