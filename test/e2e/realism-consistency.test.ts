import { deployArgs, leftovers, startDeployWorld, type DeployWorld } from '../helpers/deploy-world';
import { cancelled, fleetOf, succeeded, until } from '../helpers/outcomes';

const REGIONS = ['us-east-1', 'us-west-2'];
const APP = 'example-app';

/**
 * AWS turned up: every new instance, image and SSM command stays invisible for 3 s (NotFound to
 * Describe*, CreateTags, GetCommandInvocation…), CreateImage is refused for 2 s after the builder
 * reached `stopped`, terminated instances are forgotten after 20 s. Every procedure still
 * completes, and a cancellation in the middle of a launch leaves nothing behind.
 */
describe('every procedure on an AWS whose new ids stay invisible for 3 s', () => {
  let world: DeployWorld;
  const env = 'lagged';

  beforeAll(async () => {
    world = await startDeployWorld({
      profile: 'fast',
      realism: { visibilityLagMs: { min: 3_000, max: 3_000 }, stoppedSettleMs: 2_000, terminatedVisibleMs: 20_000 },
      consistencyWindowMs: 15_000,
    });
  });
  afterAll(async () => {
    await world?.close();
  });

  /** What the env must own now: its live fleet, and per immutable deploy an image and its snapshot per region; no running command. */
  async function expectOnly(fleet: string[], images: number): Promise<void> {
    const now = await leftovers(world, env);
    expect({ instances: now.instances, images: now.images.length, snapshots: now.snapshots.length, commands: now.commands, workflows: now.workflows }).toEqual({
      instances: [...fleet].sort(),
      images,
      snapshots: images,
      commands: [],
      workflows: [],
    });
  }

  it('immutable: the bake, the copy and the fleet survive ids AWS does not show yet; tags come with creation', async () => {
    await world.sandbox.control.resetCalls();
    const output = succeeded(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0' })));
    for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('1.0.0');
    const fleet = output.result.regions.flatMap((r: any) => r.instanceIds);
    expect(fleet).toHaveLength(4);
    await expectOnly(fleet, 2);
    const { images, snapshots } = await world.sandbox.control.resources();
    // Tagged at creation, image and snapshot alike: no CreateTags was needed on a fresh id.
    expect((await world.sandbox.control.calls())['ec2:CreateTags'] ?? 0).toBe(0);
    const ours = images.filter((i) => i.tags['hybrid-deploy:env'] === env && !i.deregistered);
    expect(ours.map((i) => [i.region, i.tags['hybrid-deploy:version'], i.tags['hybrid-deploy:role']]).sort()).toEqual([
      ['us-east-1', '1.0.0', 'image'],
      ['us-west-2', '1.0.0', 'image'],
    ]);
    for (const image of ours) {
      expect(snapshots.find((s) => s.id === image.snapshotIds[0])?.tags['hybrid-deploy:run-id']).toBe(output.runId);
    }
  });

  it('partial: launching from the catalog and syncing works while the new instances and commands are invisible at first', async () => {
    const output = succeeded(await world.cli(deployArgs(world, { procedure: 'partial', env, version: '2.0.0' })));
    for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('2.0.0');
    await expectOnly(output.result.regions.flatMap((r: any) => r.instanceIds), 2);
  });

  it('mutable: every batch is synced although each new command is invisible for 3 s', async () => {
    const before = (await Promise.all(REGIONS.map((r) => fleetOf(world, env, r)))).flat().map((i) => i.id);
    succeeded(await world.cli(deployArgs(world, { procedure: 'mutable', env, version: '3.0.0', extra: ['--batch-size', '1', '--min-healthy', '1'] })));
    for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('3.0.0');
    await expectOnly(before, 2);
  });
});

/**
 * A lag longer than the whole cancellation takes: when compensation looks for the new fleet by
 * its tags, AWS does not list it yet. Only the launch itself, which knows the ids, can remove it.
 */
describe('a deploy cancelled while its new instances stay invisible for 10 s', () => {
  let world: DeployWorld;
  const env = 'unseen';

  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'fast', realism: { visibilityLagMs: { min: 10_000, max: 10_000 } }, consistencyWindowMs: 30_000 });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('leaves none of them behind: the cancelled launch terminates them by id', async () => {
    succeeded(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0' })));
    const baseline = await leftovers(world, env);
    const partial = world.cli(deployArgs(world, { procedure: 'partial', env, version: '4.0.0' }));
    // Cancel the moment the first instance exists, while AWS does not show it yet.
    await until('a new instance, still invisible', async () => {
      const { instances } = await world.sandbox.control.resources();
      return instances.some((i) => i.tags['hybrid-deploy:version'] === '4.0.0' && i.tags['hybrid-deploy:env'] === env && !i.visible) ? true : undefined;
    });
    const cancel = await world.cli(['cancel', APP, env, '--wait', '--json']);
    expect({ code: cancel.code, out: cancel.code === 0 ? '' : `${cancel.stdout}\n${cancel.stderr}` }).toEqual({ code: 0, out: '' });
    const output = cancelled(await partial);
    const launched = (await world.sandbox.control.resources()).instances.filter((i) => i.tags['hybrid-deploy:run-id'] === output.runId);
    expect(launched.length).toBeGreaterThan(0);
    await until('every launched instance to be terminated', async () => {
      const { instances } = await world.sandbox.control.resources();
      const mine = instances.filter((i) => i.tags['hybrid-deploy:run-id'] === output.runId);
      return mine.every((i) => i.state === 'terminated') ? true : undefined;
    }, 30);
    expect(await leftovers(world, env)).toEqual(baseline);
  });
});
