import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { pollTraffic, type TrafficReport } from '../helpers/traffic';
import { deployArgs, startDeployWorld, type DeployWorld } from '../helpers/deploy-world';
import { runOnInstances } from '../helpers/instance-commands';
import { until, versionsRunning } from '../helpers/outcomes';

const REGIONS = ['us-east-1', 'us-west-2'];

describe('the three procedures from one toolset, end to end through the CLI', () => {
  let world: DeployWorld;
  const env = 'prod';
  const traffic: Record<string, TrafficReport[]> = {};
  /** The image of each region the immutable v1 deploy made (its result). */
  let v1Images: Record<string, string>;

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
    v1Images = Object.fromEntries(JSON.parse(run.stdout).result.regions.map((r: { region: string; imageId: string }) => [r.region, r.imageId]));
    expect(Object.keys(v1Images).sort()).toEqual(REGIONS);
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
    // Launched from the immutable deploy's image in each region: the catalog's newest.
    expect(after.map((fleet, i) => fleet.map((instance) => `${REGIONS[i]} ${instance.imageId}`))).toEqual(REGIONS.map((region) => [`${region} ${v1Images[region]}`, `${region} ${v1Images[region]}`]));
    expect(JSON.parse(run.stdout).result.regions.map((r: { region: string; imageId: string }) => `${r.region} ${r.imageId}`)).toEqual(REGIONS.map((region) => `${region} ${v1Images[region]}`));
  });

  it('mutable v3 hotfixes the running fleet in rolling batches with no failed request', async () => {
    const before = (await Promise.all(REGIONS.map(fleetOf))).flat().map((i) => i.id).sort();
    const { run, reports } = await deployWhilePolling('mutable', '3.0.0', ['--batch-size', '1', '--min-healthy', '1']);
    expect({ code: run.code, err: run.code ? run.stdout + run.stderr : '' }).toEqual({ code: 0, err: '' });
    for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('3.0.0');
    for (const report of reports) {
      expect({ failures: report.failures, samples: report.samples }).toEqual({ failures: 0, samples: [] });
      expect(report.requests).toBeGreaterThan(10);
      expect(Object.keys(report.versions).sort()).toEqual(['2.0.0', '3.0.0']);
    }
    const after = (await Promise.all(REGIONS.map(fleetOf))).flat();
    // The same instances, each running the new version and tagged so.
    expect(after.map((i) => i.id).sort()).toEqual(before);
    expect(await versionsRunning(after)).toEqual(after.map(() => '3.0.0'));
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

  it('a mutable deploy that fails in one region after the other finished rolls both back: the finished one by its /rollback child, with no failed request', async () => {
    const fleet = (await fleetOf('us-east-1')).sort((a, b) => a.id.localeCompare(b.id));
    // us-east-1's second batch (instances are taken in id order) refuses its post-deploy task, but
    // only once the test opens the gate: by then us-west-2 has finished and serves 4.0.0.
    const marker = '/opt/example-app/shared/refuse-post-deploy';
    const gates = mkdtempSync(join(tmpdir(), 'hd-gate-'));
    const gate = join(gates, 'open');
    const spec = world.spec((s) => (s.postDeploy = [`[ ! -e ${marker} ] || { until [ -e ${gate} ]; do sleep 0.1; done; echo "refusing on purpose" >&2; exit 1; }`]));
    const ssm = new SSMClient(world.sandbox.clientConfig('us-east-1'));
    try {
      await runOnInstances(ssm, [fleet[1].id], `touch ${marker}`);
      const workflowId = `deploy/example-app/${env}`;
      const pollers = REGIONS.map((region) => pollTraffic(world.sandbox.loadBalancers[region]['example-web'], { intervalMs: 20 }));
      const deploy = world.cli(deployArgs(world, { procedure: 'mutable', env, version: '4.0.0', spec, extra: ['--batch-size', '1', '--min-healthy', '1'] }));
      await until('us-west-2 to finish its rollout and serve 4.0.0', async () => {
        const child = await world.client.workflow.getHandle(`${workflowId}/us-west-2`).describe().catch(() => undefined);
        return child?.status.name === 'COMPLETED' && (await world.servedVersion('us-west-2')) === '4.0.0' ? true : undefined;
      });
      writeFileSync(gate, '');
      const run = await deploy;
      const reports = await Promise.all(pollers.map((p) => p.stop()));
      traffic['mutable 4.0.0 (rolled back)'] = reports;

      expect(run.code).toBe(1);
      const output = JSON.parse(run.stdout);
      expect(output.error).toMatch(/the post-deploy tasks of 4\.0\.0 failed/);
      // us-east-1 rolled its own batch back as its rolling sync failed; us-west-2, already done, by the undo step its success registered.
      expect(output.compensation).toEqual(['ok: roll back us-west-2']);
      const rollback = await world.client.workflow.getHandle(`${workflowId}/us-west-2/rollback`).describe();
      expect({ status: rollback.status.name, parent: rollback.parentExecution?.runId }).toEqual({ status: 'COMPLETED', parent: output.runId });
      expect((await world.client.workflow.getHandle(`${workflowId}/us-east-1`).describe()).status.name).toBe('FAILED');

      // Throughout: no failed request; us-west-2 served the new version before going back; both serve 3.0.0 now.
      for (const report of reports) {
        expect({ failures: report.failures, samples: report.samples }).toEqual({ failures: 0, samples: [] });
        expect(report.requests).toBeGreaterThan(10);
      }
      expect(Object.keys(reports[1].versions).sort()).toEqual(['3.0.0', '4.0.0']);
      for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('3.0.0');
      const after = (await Promise.all(REGIONS.map(fleetOf))).flat();
      expect(after).toHaveLength(4);
      // Each instance really runs 3.0.0 again, not just tagged so.
      expect(await versionsRunning(after)).toEqual(after.map(() => '3.0.0'));
      expect(after.map((i) => i.tags['hybrid-deploy:version'])).toEqual(after.map(() => '3.0.0'));
    } finally {
      writeFileSync(gate, '');
      ssm.destroy();
      rmSync(gates, { recursive: true, force: true });
    }
  });

  it('an immutable deploy over the live fleet never drops a request', async () => {
    const { run, reports } = await deployWhilePolling('immutable', '5.0.0');
    expect({ code: run.code, err: run.code ? run.stdout + run.stderr : '' }).toEqual({ code: 0, err: '' });
    for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('5.0.0');
    for (const report of reports) {
      expect({ failures: report.failures, samples: report.samples }).toEqual({ failures: 0, samples: [] });
      expect(report.requests).toBeGreaterThan(10);
      expect(Object.keys(report.versions).sort()).toEqual(['3.0.0', '5.0.0']);
    }
  });
});
