import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Client } from '@temporalio/client';
import { deployArgs, leftovers, startDeployWorld, type DeployWorld, type Leftovers } from '../helpers/deploy-world';
import { failed, succeeded, until } from '../helpers/outcomes';
import { pollTraffic } from '../helpers/traffic';

const REGIONS = ['us-east-1', 'us-west-2'];

/** What the target groups showed, sampled from DescribeTargetHealth throughout a deploy. */
interface TargetSamples {
  samples: number;
  /** Every target ever seen registered, per region. */
  seen: Record<string, Set<string>>;
  /** The fewest healthy targets any sample of a region showed. */
  fewestHealthy: Record<string, number>;
}

/** Samples every region's target health (through the ELBv2 API, as an operator would) until stopped. */
function sampleTargets(world: DeployWorld, targetGroups: Record<string, string>): { stop(): Promise<TargetSamples> } {
  const result: TargetSamples = { samples: 0, seen: {}, fewestHealthy: {} };
  for (const region of REGIONS) {
    result.seen[region] = new Set();
    result.fewestHealthy[region] = Infinity;
  }
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const region of REGIONS) {
        const { TargetHealthDescriptions = [] } = await world.aws.elbv2(region).send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroups[region] }));
        for (const d of TargetHealthDescriptions) result.seen[region].add(d.Target!.Id!);
        const healthy = TargetHealthDescriptions.filter((d) => d.TargetHealth?.State === 'healthy').length;
        result.fewestHealthy[region] = Math.min(result.fewestHealthy[region], healthy);
      }
      result.samples++;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return result;
    },
  };
}

/**
 * The completed activities of a run, from its history, as `<type> <region> <first target or instance id>`.
 * Activity inputs are JSON payloads (the codec seals only secret-bearing fields, never a region).
 */
async function completedActivities(client: Client, workflowId: string, runId: string): Promise<string[]> {
  const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  const scheduled = new Map<string, string>();
  const done: string[] = [];
  for (const event of events) {
    const attrs = event.activityTaskScheduledEventAttributes;
    if (attrs) {
      const input = JSON.parse(Buffer.from(attrs.input?.payloads?.[0]?.data ?? '{}').toString()) as { region?: string; targets?: { instanceId: string }[]; instanceIds?: string[] };
      scheduled.set(String(event.eventId), `${attrs.activityType?.name} ${input.region} ${input.targets?.[0]?.instanceId ?? input.instanceIds?.[0] ?? ''}`.trim());
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) done.push(scheduled.get(String(completed.scheduledEventId))!);
  }
  return done;
}

/**
 * The cross-region gate of the launch-based procedures: traffic moves only once every region's
 * new fleet passed its smoke test. Here us-east-1's fleet passes its smoke test, and only then is
 * us-west-2's allowed to fail its own: no traffic may move anywhere, both new fleets go, and the
 * old fleets serve throughout, sampled from the load balancers and from target health.
 */
describe('the cross-region gate: no region goes live unless every region passed its smoke test', () => {
  let world: DeployWorld;
  const env = 'gate';
  let baseline: Leftovers;
  const targetGroups: Record<string, string> = {};

  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'fast' });
    const v1 = succeeded(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0' })));
    expect(v1.result.regions.map((r: { instanceIds: string[] }) => r.instanceIds.length)).toEqual([2, 2]);
    baseline = await leftovers(world, env);
    expect(baseline.untagged).toEqual([]);
    for (const region of REGIONS) targetGroups[region] = (await world.sandbox.control.resources()).targetGroups.find((g) => g.region === region)!.arn;
  });
  afterAll(async () => {
    await world?.close();
  });

  for (const [procedure, version] of [['partial', '2.0.0'], ['immutable', '3.0.0']] as const) {
    it(`${procedure}: us-east-1 passes its smoke test, us-west-2 fails its own; no traffic moves anywhere, both new fleets go, the old fleets serve throughout`, async () => {
      const gates = mkdtempSync(join(tmpdir(), 'hd-gate-'));
      const gate = join(gates, 'open');
      // us-west-2's new fleet breaks its health check, once the test opens the gate.
      const spec = world.spec((s) => {
        s.postDeploy = [...s.postDeploy, `if [ "$AWS_REGION" = us-west-2 ]; then until [ -e ${gate} ]; do sleep 0.1; done; touch /opt/example-app/current/FAIL_HEALTH; fi`];
        s.service.healthCheck.timeoutSeconds = 5;
      });
      const oldFleet = new Set(baseline.instances);
      await world.sandbox.control.resetCalls();
      const pollers = REGIONS.map((region) => pollTraffic(world.sandbox.loadBalancers[region]['example-web'], { intervalMs: 25 }));
      const targets = sampleTargets(world, targetGroups);
      try {
        const deploy = world.cli(deployArgs(world, { procedure, env, version, spec }));
        // us-east-1's new fleet passed its smoke test: the history says so.
        await until('us-east-1\'s new fleet to pass its smoke test', async () => {
          const started = await world.client.workflow.getHandle(`deploy/example-app/${env}`).describe().catch(() => undefined);
          if (!started || started.status.name !== 'RUNNING') return undefined;
          const { instances } = await world.sandbox.control.resources();
          const newFleet = new Set(instances.filter((i) => i.tags['hybrid-deploy:run-id'] === started.runId && i.tags['hybrid-deploy:role'] === 'fleet').map((i) => i.id));
          const done = await completedActivities(world.client, started.workflowId, started.runId);
          return done.some((a) => a.startsWith('smokeTest us-east-1 ') && newFleet.has(a.split(' ')[2])) ? true : undefined;
        }, 120);
        writeFileSync(gate, '');
        const output = failed(await deploy);
        expect(output.error).toMatch(new RegExp(`smoke test of version ${version.replace(/\./g, '\\.')} failed on 2 of 2 instance`));

        const traffic = await Promise.all(pollers.map((p) => p.stop()));
        const health = await targets.stop();
        // No traffic moved: nothing was registered or deregistered, the load balancers served the old version only…
        const calls = await world.sandbox.control.calls();
        expect({ register: calls['elasticloadbalancing:RegisterTargets'] ?? 0, deregister: calls['elasticloadbalancing:DeregisterTargets'] ?? 0 }).toEqual({ register: 0, deregister: 0 });
        for (const report of traffic) {
          expect({ failures: report.failures, samples: report.samples, versions: Object.keys(report.versions) }).toEqual({ failures: 0, samples: [], versions: ['1.0.0'] });
          expect(report.requests).toBeGreaterThan(20);
        }
        // …and target health never showed anything but the old fleet, every instance of it healthy in every sample.
        expect(health.samples).toBeGreaterThan(20);
        for (const region of REGIONS) {
          expect({ region, strangers: [...health.seen[region]].filter((id) => !oldFleet.has(id)), fewestHealthy: health.fewestHealthy[region] }).toEqual({ region, strangers: [], fewestHealthy: 2 });
        }

        // Both new fleets are gone (us-east-1's passed its checks, and still goes), and the images this run made.
        const runId: string = output.runId;
        const expectedUndo = ['ok: terminate the new fleet in us-east-1', 'ok: terminate the new fleet in us-west-2'];
        // The builder terminated beside the fleet launches; its undo step stays until going live, so it runs (and finds it gone).
        if (procedure === 'immutable') expectedUndo.unshift(...REGIONS.map((r) => `ok: deregister image hybrid-deploy/example-app/${version}/${runId} in ${r}`), 'ok: terminate the builder in us-east-1');
        expect([...output.compensation].sort()).toEqual(expectedUndo.sort());
        const launched = (await world.sandbox.control.resources()).instances.filter((i) => i.tags['hybrid-deploy:run-id'] === runId && i.tags['hybrid-deploy:role'] === 'fleet');
        expect(launched.map((i) => `${i.region} ${i.state}`).sort()).toEqual(['us-east-1 terminated', 'us-east-1 terminated', 'us-west-2 terminated', 'us-west-2 terminated']);
        expect(await leftovers(world, env)).toEqual(baseline);
        for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('1.0.0');
      } finally {
        writeFileSync(gate, '');
        await Promise.all(pollers.map((p) => p.stop()));
        await targets.stop();
        rmSync(gates, { recursive: true, force: true });
      }
    });
  }
});
