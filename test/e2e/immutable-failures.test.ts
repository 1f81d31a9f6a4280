import { WorkflowNotFoundError } from '@temporalio/client';
import { deployArgs, leftovers, startDeployWorld, type CliRun, type DeployWorld, NOTHING_LEFT } from '../helpers/deploy-world';

const REGIONS = ['us-east-1', 'us-west-2'];

/**
 * The AWS activities' retry budget (src/workflows/deploy-run/toolset.ts AWS_RETRY: 10 attempts, 1 s doubling
 * to at most 60 s between them) is about four minutes. "Fast" below means an order of magnitude under it.
 */
const FAST_SECONDS = 24;

/** A smoke test that cannot pass gives up after this many seconds (the example spec waits 30). */
const SMOKE_TIMEOUT_SECONDS = 5;

function succeeded(run: CliRun): any {
  expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(run.stdout);
}

/** A failed deploy's JSON document (stdout and stderr shown when it did not exit 1). */
function failed(run: CliRun): any {
  expect({ code: run.code, out: run.code === 1 ? '' : `${run.stdout}\n${run.stderr}` }).toEqual({ code: 1, out: '' });
  return JSON.parse(run.stdout);
}

describe('the fully immutable procedure, when things go wrong, end to end through the CLI', () => {
  let world: DeployWorld;
  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'fast' });
  });
  afterEach(async () => {
    // Clears faults too, even when a test failed with one armed.
    await world?.clearInstances();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('a fleet that fails its smoke test after launch is undone: exit 1, the old fleet keeps serving throughout', async () => {
    const env = world.uniqueEnv();
    const before = succeeded(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0' })));
    const oldFleet: string[] = before.result.regions.flatMap((r: any) => r.instanceIds).sort();
    const oldImages: string[] = before.result.regions.map((r: any) => r.imageId).sort();
    const oldSnapshots = (await world.sandbox.control.resources()).images.filter((i) => oldImages.includes(i.id)).flatMap((i) => i.snapshotIds).sort();
    expect(oldFleet).toHaveLength(4);

    // Watch both load balancers for the whole failing deploy.
    const seen: Record<string, string[]> = Object.fromEntries(REGIONS.map((r) => [r, []]));
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const region of REGIONS) seen[region].push(await world.servedVersion(region));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const failingSpec = world.spec((spec) => {
      spec.postDeploy = [...spec.postDeploy, 'touch /opt/example-app/current/FAIL_HEALTH'];
      spec.service.healthCheck.timeoutSeconds = SMOKE_TIMEOUT_SECONDS;
    });
    let output: any;
    try {
      output = failed(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '2.0.0', spec: failingSpec })));
    } finally {
      watching = false;
      await watcher;
    }
    for (const region of REGIONS) {
      expect(seen[region].length).toBeGreaterThan(5);
      expect([...new Set(seen[region])]).toEqual(['1.0.0']);
    }

    const runId: string = output.runId;
    expect(output.error).toMatch(/smoke test of version 2\.0\.0 failed/);
    expect(output.error).toContain('status 500');
    const imageName = `hybrid-deploy/example-app/2.0.0/${runId}`;
    expect([...output.compensation].sort()).toEqual([
      `ok: deregister image ${imageName} in us-east-1`,
      `ok: deregister image ${imageName} in us-west-2`,
      'ok: terminate the builder in us-east-1',
      'ok: terminate the new fleet in us-east-1',
      'ok: terminate the new fleet in us-west-2',
    ]);

    const { instances, images, targetGroups } = await world.sandbox.control.resources();
    // Everything the failed run launched (its builder and both new fleets) is terminated.
    const launched = instances.filter((i) => i.tags['hybrid-deploy:run-id'] === runId);
    expect(launched.map((i) => `${i.region} ${i.tags['hybrid-deploy:role']} ${i.state}`).sort()).toEqual([
      'us-east-1 builder terminated',
      'us-east-1 fleet terminated',
      'us-east-1 fleet terminated',
      'us-west-2 fleet terminated',
      'us-west-2 fleet terminated',
    ]);
    // Both images it made (the bake and its copy) are deregistered.
    const made = images.filter((i) => i.name === imageName);
    expect(made.map((i) => `${i.region} ${i.deregistered}`).sort()).toEqual(['us-east-1 true', 'us-west-2 true']);
    // The old fleet still runs and is still the one registered, healthy.
    const byId = new Map(instances.map((i) => [i.id, i]));
    expect(oldFleet.map((id) => byId.get(id)?.state)).toEqual(['running', 'running', 'running', 'running']);
    const registered = targetGroups.flatMap((g) => g.registrations.filter((r) => byId.get(r.targetId)?.tags['hybrid-deploy:env'] === env));
    expect(registered.map((r) => [r.targetId, r.state]).sort()).toEqual(oldFleet.map((id) => [id, 'healthy']));
    for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('1.0.0');

    // The failed run's images went with their snapshots: only the first deploy's remain.
    expect(await leftovers(world, env)).toEqual({ ...NOTHING_LEFT, instances: oldFleet, images: oldImages, snapshots: oldSnapshots });
  });

  it('a release that fails on the builder stops before the bake: exit 1 fast, the builder terminated, no image', async () => {
    const env = world.uniqueEnv();
    const artifact = world.brokenArtifact('3.0.0');
    const spec = world.spec((s) => {
      s.service.healthCheck.timeoutSeconds = SMOKE_TIMEOUT_SECONDS;
    });
    await world.sandbox.control.resetCalls();
    const output = failed(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '3.0.0', spec, artifact })));

    expect(output.error).toMatch(/smoke test of version 3\.0\.0 failed on 1 of 1 instance/);
    expect(output.compensation).toEqual(['ok: terminate the builder in us-east-1']);
    expect(output.seconds).toBeLessThan(FAST_SECONDS);
    const calls = await world.sandbox.control.calls();
    // One builder launched; nothing of the bake (stop, image, copy) or of a fleet happened.
    expect({
      run: calls['ec2:RunInstances'],
      stop: calls['ec2:StopInstances'],
      create: calls['ec2:CreateImage'],
      copy: calls['ec2:CopyImage'],
      register: calls['elasticloadbalancing:RegisterTargets'],
    }).toEqual({ run: 1, stop: undefined, create: undefined, copy: undefined, register: undefined });

    const { instances, images } = await world.sandbox.control.resources();
    const launched = instances.filter((i) => i.tags['hybrid-deploy:run-id'] === output.runId);
    expect(launched.map((i) => `${i.region} ${i.tags['hybrid-deploy:role']} ${i.state} ${i.processes.length}`)).toEqual(['us-east-1 builder terminated 0']);
    expect(images.filter((i) => i.tags['hybrid-deploy:env'] === env || i.name.includes(output.runId))).toEqual([]);
    expect(await leftovers(world, env)).toEqual(NOTHING_LEFT);
  });

  it('an invalid spec exits 2 listing every problem, before any AWS or Temporal call', async () => {
    const env = world.uniqueEnv();
    const spec = world.spec((s) => {
      s.app = 'Example_App';
      s.regions = ['us-east-1', 'us-eest-1'];
      s.regionSettings['us-eest-1'] = s.regionSettings['us-west-2'];
      delete s.regionSettings['us-west-2'];
      s.regionSettings['us-east-1'].subnetIds[1] = 'subnet-zz';
    });
    await world.sandbox.control.resetCalls();
    const connects = world.temporalConnects;

    const run = await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0', spec }));
    expect(run.code).toBe(2);
    const output = JSON.parse(run.stdout);
    expect(output.code).toBe('INVALID_INPUT');
    expect(output.error).toContain('3 problems; nothing was started');
    expect(output.problems).toEqual([
      { path: 'app', message: expect.stringMatching(/^"Example_App" is not a safe app name/) },
      { path: 'regions[1]', message: expect.stringMatching(/^"us-eest-1" is not a region name/) },
      { path: 'regionSettings.us-east-1.subnetIds[1]', message: expect.stringMatching(/^"subnet-zz" is not a subnet id/) },
    ]);
    for (const line of ['app: "Example_App" is not', 'regions[1]: "us-eest-1" is not a region name', 'regionSettings.us-east-1.subnetIds[1]: "subnet-zz" is not a subnet id']) {
      expect(run.stderr).toContain(line);
    }

    expect(await world.sandbox.control.calls()).toEqual({});
    expect(world.temporalConnects).toBe(connects);
    for (const app of ['example-app', 'Example_App']) {
      await expect(world.client.workflow.getHandle(`deploy/${app}/${env}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    }
    expect(await leftovers(world, env)).toEqual(NOTHING_LEFT);
  });

  it('a permanent AWS error (UnauthorizedOperation on RunInstances) fails at once: one call, no retry, nothing left', async () => {
    const env = world.uniqueEnv();
    await world.sandbox.control.resetCalls();
    await world.sandbox.control.fail({ action: 'ec2:RunInstances', code: 'UnauthorizedOperation', status: 403, next: 100 });
    let run: CliRun;
    try {
      run = await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0' }));
    } finally {
      await world.sandbox.control.clearFaults();
    }
    const output = failed(run);
    expect(output.error).toMatch(/ec2:RunInstances in us-east-1 \(subnet-\w+\) failed: UnauthorizedOperation/);
    expect(output.compensation).toEqual(['ok: terminate the builder in us-east-1']);
    expect(output.seconds).toBeLessThan(FAST_SECONDS);
    // The sandbox counts every call, faulted ones included: one means neither the SDK nor Temporal retried.
    const calls = await world.sandbox.control.calls();
    expect(calls['ec2:RunInstances']).toBe(1);

    const { instances, images } = await world.sandbox.control.resources();
    expect(instances.filter((i) => i.tags['hybrid-deploy:env'] === env)).toEqual([]);
    expect(images.filter((i) => i.tags['hybrid-deploy:env'] === env)).toEqual([]);
    expect(await leftovers(world, env)).toEqual(NOTHING_LEFT);
  });

  it('a base image that does not exist fails the preflight at once: one DescribeImages, nothing launched', async () => {
    const env = world.uniqueEnv();
    const spec = world.spec((s) => {
      s.baseImage = 'ami-0000000000000dead';
    });
    await world.sandbox.control.resetCalls();
    const output = failed(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0', spec })));
    // A NotFound for an id the user gave stays an error (one for an id the product just made would be waited out).
    expect(output.error).toMatch(/^preflight found 1 problem, nothing was created: baseImage: ami-0000000000000dead \(ami-0000000000000dead\) does not exist in us-east-1: AMI ids are per region/);
    expect(output.compensation).toEqual([]);
    expect(output.seconds).toBeLessThan(FAST_SECONDS);
    const calls = await world.sandbox.control.calls();
    expect({ describeImages: calls['ec2:DescribeImages'], run: calls['ec2:RunInstances'] }).toEqual({ describeImages: 1, run: undefined });
    expect(await leftovers(world, env)).toEqual(NOTHING_LEFT);
  });
});
