import { pollTraffic, type TrafficReport } from '../helpers/traffic';
import { deployArgs, startDeployWorld, type DeployWorld } from '../helpers/deploy-world';

const REGIONS = ['us-east-1', 'us-west-2'];

describe('the three procedures from one toolset, end to end through the CLI', () => {
  let world: DeployWorld;
  const env = 'prod';
  const traffic: Record<string, TrafficReport[]> = {};

  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'fast' });
  });
  afterAll(async () => {
    // The zero-downtime figures, for the issue note.
    console.log(`zero-downtime polling: ${JSON.stringify(traffic)}`);
    await world?.close();
  });

  /** Deploys while a client polls each region's load balancer; returns the CLI run. */
  async function deployWhilePolling(procedure: string, version: string, extra: string[] = [], spec?: string) {
    const pollers = REGIONS.map((region) => pollTraffic(world.sandbox.loadBalancers[region]['example-web'], { intervalMs: 20 }));
    const run = await world.cli(deployArgs(world, { procedure, env, version, extra, spec }));
    const reports = await Promise.all(pollers.map((p) => p.stop()));
    traffic[`${procedure} ${version}`] = reports;
    return { run, reports };
  }

  const fleetOf = async (region: string) =>
    (await world.sandbox.control.resources()).instances.filter(
      (i) => i.region === region && i.tags['hybrid-deploy:env'] === env && i.tags['hybrid-deploy:role'] === 'fleet' && i.state === 'running',
    );

  it('partial with no baked image fails fast with a clear error and launches nothing', async () => {
    await world.sandbox.control.resetCalls();
    const spec = world.spec((s) => (s.app = 'never-baked'));
    const run = await world.cli(deployArgs(world, { procedure: 'partial', env, version: '1.0.0', spec }));
    expect(run.code).toBe(1);
    // The preflight finds it in both regions, before anything is created.
    expect(JSON.parse(run.stdout).error).toMatch(
      /preflight found 2 problems, nothing was created: regions\[0\]: no baked image of never-baked is available in us-east-1: .*run an immutable deploy.* \| regions\[1\]: no baked image of never-baked is available in us-west-2/,
    );
    const calls = await world.sandbox.control.calls();
    expect(calls['ec2:RunInstances'] ?? 0).toBe(0);
  });

  it('immutable v1 puts a fresh fleet live in both regions (first deploy: nothing to keep serving yet)', async () => {
    const run = await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0' }));
    expect({ code: run.code, err: run.code ? run.stdout + run.stderr : '' }).toEqual({ code: 0, err: '' });
    for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('1.0.0');
  });

  it('partial v2 launches from the catalog image, places v2, and never drops a request', async () => {
    const before = await Promise.all(REGIONS.map(fleetOf));
    const { run, reports } = await deployWhilePolling('partial', '2.0.0');
    expect({ code: run.code, err: run.code ? run.stdout + run.stderr : '' }).toEqual({ code: 0, err: '' });
    for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('2.0.0');
    for (const report of reports) {
      expect({ failures: report.failures, samples: report.samples }).toEqual({ failures: 0, samples: [] });
      expect(report.requests).toBeGreaterThan(10);
      expect(Object.keys(report.versions).sort()).toEqual(['1.0.0', '2.0.0']);
    }
    const after = await Promise.all(REGIONS.map(fleetOf));
    const terminated = (await world.sandbox.control.resources()).instances.filter((i) => before.flat().some((b) => b.id === i.id));
    expect(terminated.map((i) => i.state)).toEqual(before.flat().map(() => 'terminated'));
    expect(after.map((f) => f.length)).toEqual([2, 2]);
    // Launched from the immutable deploy's image: the catalog's newest.
    expect(new Set(after.flat().map((i) => i.imageId)).size).toBe(2);
  });

  it('mutable v3 hotfixes the running fleet in rolling batches with no failed request', async () => {
    const before = (await Promise.all(REGIONS.map(fleetOf))).flat().map((i) => i.id).sort();
    const { run, reports } = await deployWhilePolling('mutable', '3.0.0', ['--batch-size', '1', '--min-healthy', '1']);
    expect({ code: run.code, err: run.code ? run.stdout + run.stderr : '' }).toEqual({ code: 0, err: '' });
    for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('3.0.0');
    for (const report of reports) expect({ failures: report.failures, samples: report.samples }).toEqual({ failures: 0, samples: [] });
    const after = (await Promise.all(REGIONS.map(fleetOf))).flat();
    // The same instances, now tagged with the version they run.
    expect(after.map((i) => i.id).sort()).toEqual(before);
    expect(after.map((i) => i.tags['hybrid-deploy:version'])).toEqual(after.map(() => '3.0.0'));
  });

  it('syncing the version already current is a no-op success: no instance restarts', async () => {
    const pids = async () => (await Promise.all(REGIONS.map(fleetOf))).flat().map((i) => `${i.id}:${i.processes.join(',')}`).sort();
    const before = await pids();
    const run = await world.cli(deployArgs(world, { procedure: 'mutable', env, version: '3.0.0' }));
    expect(run.code).toBe(0);
    expect(await pids()).toEqual(before);
    for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('3.0.0');
  });

  it('a mutable deploy whose second batch fails rolls the first batch back: every instance ends on the previous version', async () => {
    const fleet = (await fleetOf('us-east-1')).sort((a, b) => a.id.localeCompare(b.id));
    // The second batch (instances are taken in id order) refuses the post-deploy task.
    const marker = '/opt/example-app/shared/refuse-post-deploy';
    const spec = world.spec((s) => (s.postDeploy = [`test ! -e ${marker}`]));
    await world.cli(['status', 'example-app', env]);
    const { SSMClient, SendCommandCommand } = await import('@aws-sdk/client-ssm');
    const ssm = new SSMClient(world.sandbox.clientConfig('us-east-1'));
    await ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [fleet[1].id], Parameters: { commands: [`touch ${marker}`] } }));
    await new Promise((r) => setTimeout(r, 1_000));

    const { run, reports } = await deployWhilePolling('mutable', '4.0.0', ['--batch-size', '1', '--min-healthy', '1'], spec);
    expect(run.code).toBe(1);
    const output = JSON.parse(run.stdout);
    expect(output.error).toMatch(/post-deploy 4\.0\.0.*failed/);
    for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('3.0.0');
    for (const report of reports) expect({ failures: report.failures, samples: report.samples }).toEqual({ failures: 0, samples: [] });
    const after = (await Promise.all(REGIONS.map(fleetOf))).flat();
    expect(after).toHaveLength(4);
    expect(after.map((i) => i.tags['hybrid-deploy:version'])).toEqual(after.map(() => '3.0.0'));
    // Each instance really runs 3.0.0 again, not just tagged so.
    for (const instance of after) {
      const health = (await (await fetch(`http://${instance.privateIp}:8080/health`)).json()) as { version: string };
      expect(health.version).toBe('3.0.0');
    }
    ssm.destroy();
  });

  it('an immutable deploy over the live fleet never drops a request', async () => {
    const { run, reports } = await deployWhilePolling('immutable', '5.0.0');
    expect({ code: run.code, err: run.code ? run.stdout + run.stderr : '' }).toEqual({ code: 0, err: '' });
    for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('5.0.0');
    for (const report of reports) {
      expect({ failures: report.failures, samples: report.samples }).toEqual({ failures: 0, samples: [] });
      expect(Object.keys(report.versions).sort()).toEqual(['3.0.0', '5.0.0']);
    }
  });
});
