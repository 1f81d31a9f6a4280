import type { Client } from '@temporalio/client';
import type { DeployStatus } from '../../src/workflows/messages';
import { deployArgs, leftovers, startDeployWorld, type CliRun, type DeployWorld, type Leftovers, NOTHING_LEFT } from '../helpers/deploy-world';
import { fleetOf, succeeded, until, versionsRunning } from '../helpers/outcomes';
import { pollTraffic, type TrafficReport } from '../helpers/traffic';

const REGIONS = ['us-east-1', 'us-west-2'];
const APP = 'example-app';

/** The activities a running workflow is running right now (from Temporal's describe, not from guessing at time); none once it closed. */
async function pendingActivities(client: Client, workflowId: string): Promise<string[]> {
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    if (description.status.name !== 'RUNNING') return [];
    return (description.raw.pendingActivities ?? []).map((a) => a.activityType?.name ?? '');
  } catch {
    return [];
  }
}

/**
 * The activity events of a closed workflow, from its history, in the order they happened:
 * `bakeAmi scheduled`, `bakeAmi canceled`, `deregisterImage scheduled`… (closings are
 * `completed`, `failed`, `timed out` or `canceled`).
 */
async function activityTimeline(client: Client, workflowId: string): Promise<string[]> {
  const handle = client.workflow.getHandle(workflowId);
  expect((await handle.describe()).status.name).not.toBe('RUNNING');
  const types = new Map<string, string>();
  const timeline: string[] = [];
  for (const event of (await handle.fetchHistory()).events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      types.set(String(event.eventId), scheduled.activityType?.name ?? '?');
      timeline.push(`${scheduled.activityType?.name} scheduled`);
    }
    const closes = {
      completed: event.activityTaskCompletedEventAttributes,
      failed: event.activityTaskFailedEventAttributes,
      'timed out': event.activityTaskTimedOutEventAttributes,
      canceled: event.activityTaskCanceledEventAttributes,
    };
    for (const [how, close] of Object.entries(closes)) if (close) timeline.push(`${types.get(String(close.scheduledEventId))} ${how}`);
  }
  return timeline;
}

/** Activities a closed workflow scheduled that never closed: still running when it ended (a cancellation it did not wait for). */
async function neverClosed(client: Client, workflowId: string): Promise<string[]> {
  const open: string[] = [];
  for (const entry of await activityTimeline(client, workflowId)) {
    const [type, how] = entry.split(' ');
    if (how === 'scheduled') open.push(type);
    else open.splice(open.indexOf(type), 1);
  }
  return open;
}

/** The `status` query of a running workflow, or undefined while it cannot answer. */
async function statusOf(client: Client, workflowId: string): Promise<DeployStatus | undefined> {
  try {
    return await client.workflow.getHandle(workflowId).query<DeployStatus>('status');
  } catch {
    return undefined;
  }
}

/** `cancel <app> <env> --wait --json`: exit 0 and the deploy closed CANCELLED; returns the report. */
async function cancel(world: DeployWorld, env: string): Promise<{ status: string; compensation: string[] }> {
  const run = await world.cli(['cancel', APP, env, '--wait', '--json']);
  expect({ code: run.code, out: run.code === 0 ? '' : `${run.stdout}\n${run.stderr}` }).toEqual({ code: 0, out: '' });
  return JSON.parse(run.stdout);
}

/** The deploy's own CLI run, after a cancellation: exit 5 (stopped) with the cancelled code and the undo report. */
function cancelledDeploy(run: CliRun): any {
  expect({ code: run.code, out: run.code === 5 ? '' : `${run.stdout}\n${run.stderr}` }).toEqual({ code: 5, out: '' });
  const output = JSON.parse(run.stdout);
  expect(output).toMatchObject({ outcome: 'cancelled', code: 'DEPLOY_CANCELLED' });
  return output;
}

describe('cancelling a deploy through the CLI', () => {
  describe('mid-bake (the image is still pending)', () => {
    let world: DeployWorld;
    beforeAll(async () => {
      // A bake that stays pending for two minutes: the cancellation surely lands inside it.
      world = await startDeployWorld({ profile: 'fast', timings: { imageCreateMs: 120_000 } });
    });
    afterAll(async () => {
      await world?.close();
    });

    it('cancel while the image is pending: the builder is terminated, the pending image deregistered, nothing left', async () => {
      const env = world.uniqueEnv('bake');
      const workflowId = `deploy/${APP}/${env}`;
      const deploy = world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0' }));

      // Mid-bake: the workflow says so, Temporal shows bakeAmi running, and the sandbox has the image pending.
      await until('the bake to be under way', async () => {
        const [status, pending, { images }] = await Promise.all([statusOf(world.client, workflowId), pendingActivities(world.client, workflowId), world.sandbox.control.resources()]);
        const image = images.find((i) => i.tags['hybrid-deploy:env'] === env);
        return status?.phase === 'baking' && pending.includes('bakeAmi') && image?.state === 'pending' ? true : undefined;
      });

      const report = await cancel(world, env);
      expect(report.status).toBe('CANCELLED');
      const output = cancelledDeploy(await deploy);
      expect(report.compensation).toEqual([`ok: deregister image hybrid-deploy/${APP}/1.0.0/${output.runId} in us-east-1`, 'ok: terminate the builder in us-east-1']);
      expect(output.compensation).toEqual(report.compensation);

      const { instances, images } = await world.sandbox.control.resources();
      expect(instances.filter((i) => i.tags['hybrid-deploy:env'] === env).map((i) => `${i.tags['hybrid-deploy:role']} ${i.state}`)).toEqual(['builder terminated']);
      expect(images.filter((i) => i.tags['hybrid-deploy:env'] === env).map((i) => `${i.state} deregistered=${i.deregistered}`)).toEqual(['pending deregistered=true']);
      expect(await leftovers(world, env)).toEqual(NOTHING_LEFT);
      // The bake was cancelled and had ended before the first undo step was scheduled; nothing was left running.
      const timeline = await activityTimeline(world.client, workflowId);
      expect(timeline.slice(timeline.indexOf('bakeAmi scheduled'))).toEqual([
        'bakeAmi scheduled', 'bakeAmi canceled', 'deregisterImage scheduled', 'deregisterImage completed', 'terminateInstances scheduled', 'terminateInstances completed',
      ]);
      expect(await neverClosed(world.client, workflowId)).toEqual([]);
    });
  });

  describe('mid-copy (the bake is done, its copy into the second region still pending)', () => {
    let world: DeployWorld;
    beforeAll(async () => {
      // A copy that stays pending for two minutes: the cancellation surely lands inside it.
      world = await startDeployWorld({ profile: 'fast', timings: { imageCopyMs: 120_000 } });
    });
    afterAll(async () => {
      await world?.close();
    });

    it('cancel while the region copy is pending: the copy and the baked image deregistered, the bake region’s new fleet terminated, nothing left', async () => {
      const env = world.uniqueEnv('copy');
      const workflowId = `deploy/${APP}/${env}`;
      const deploy = world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0' }));

      // Mid-copy: Temporal shows copyAmi running, and the sandbox holds the copy pending in us-west-2;
      // the bake region, which needs no copy, has gone on to launch its new fleet meanwhile.
      await until('the region copy to be under way, and the bake region’s fleet launched', async () => {
        const [pending, { images, instances }] = await Promise.all([pendingActivities(world.client, workflowId), world.sandbox.control.resources()]);
        const copy = images.find((i) => i.tags['hybrid-deploy:env'] === env && i.region === 'us-west-2');
        const fleet = instances.filter((i) => i.tags['hybrid-deploy:env'] === env && i.tags['hybrid-deploy:role'] === 'fleet' && i.region === 'us-east-1');
        return pending.includes('copyAmi') && copy?.state === 'pending' && fleet.length === 2 ? true : undefined;
      });

      const report = await cancel(world, env);
      expect(report.status).toBe('CANCELLED');
      const output = cancelledDeploy(await deploy);
      const imageName = `hybrid-deploy/${APP}/1.0.0/${output.runId}`;
      expect([...report.compensation].sort()).toEqual([
        `ok: deregister image ${imageName} in us-east-1`,
        `ok: deregister image ${imageName} in us-west-2`,
        'ok: terminate the builder in us-east-1',
        'ok: terminate the new fleet in us-east-1',
      ]);
      expect(output.compensation).toEqual(report.compensation);

      const { instances, images, snapshots } = await world.sandbox.control.resources();
      // The builder (terminated beside the copy) and the bake region's new fleet are gone; both images are deregistered, the pending copy included.
      expect(instances.filter((i) => i.tags['hybrid-deploy:env'] === env).map((i) => `${i.region} ${i.tags['hybrid-deploy:role']} ${i.state}`).sort()).toEqual([
        'us-east-1 builder terminated', 'us-east-1 fleet terminated', 'us-east-1 fleet terminated',
      ]);
      expect(
        images
          .filter((i) => i.tags['hybrid-deploy:env'] === env)
          .map((i) => `${i.region} ${i.state} deregistered=${i.deregistered}`)
          .sort(),
      ).toEqual(['us-east-1 available deregistered=true', 'us-west-2 pending deregistered=true']);
      const snapshotIds = new Set(images.filter((i) => i.tags['hybrid-deploy:env'] === env).flatMap((i) => i.snapshotIds));
      expect(snapshots.filter((s) => snapshotIds.has(s.id) && !s.deleted).map((s) => s.id)).toEqual([]);
      expect(await leftovers(world, env)).toEqual(NOTHING_LEFT);
      // The copy was cancelled and had ended before the undo steps ran; nothing was left running.
      const timeline = await activityTimeline(world.client, workflowId);
      expect(timeline.filter((entry) => /^(copyAmi|deregisterImage) /.test(entry))).toEqual([
        'copyAmi scheduled', 'copyAmi canceled', 'deregisterImage scheduled', 'deregisterImage completed', 'deregisterImage scheduled', 'deregisterImage completed',
      ]);
      expect(await neverClosed(world.client, workflowId)).toEqual([]);
    });
  });

  describe('mid-rollout (the old fleet keeps serving)', () => {
    let world: DeployWorld;
    const env = 'cancel';
    const workflowId = `deploy/${APP}/${env}`;
    let baseline: Leftovers;

    beforeAll(async () => {
      // Slower health checks and draining: every traffic shift lasts a few seconds.
      world = await startDeployWorld({ profile: 'fast', timings: { deregistrationDelayMs: 2_000, healthCheckIntervalMs: 400 } });
    });
    afterAll(async () => {
      await world?.close();
    });

    /** Starts a deploy while clients poll both load balancers; `stop` ends the polling and returns the deploy's run. */
    function deployWhilePolling(args: string[]): { stop(): Promise<{ run: CliRun; reports: TrafficReport[] }> } {
      const pollers = REGIONS.map((region) => pollTraffic(world.sandbox.loadBalancers[region]['example-web'], { intervalMs: 30 }));
      const deploy = world.cli(args);
      return {
        async stop() {
          const run = await deploy;
          return { run, reports: await Promise.all(pollers.map((p) => p.stop())) };
        },
      };
    }

    function servedOnly(reports: TrafficReport[], version: string): void {
      for (const report of reports) {
        expect({ failures: report.failures, samples: report.samples, versions: Object.keys(report.versions) }).toEqual({ failures: 0, samples: [], versions: [version] });
        expect(report.requests).toBeGreaterThan(20);
      }
    }

    async function expectOldFleetServing(): Promise<void> {
      expect(await leftovers(world, env)).toEqual(baseline);
      const fleet = (await Promise.all(REGIONS.map((r) => fleetOf(world, env, r)))).flat();
      expect(fleet.map((i) => i.id).sort()).toEqual(baseline.instances);
      expect(fleet.map((i) => i.tags['hybrid-deploy:version'])).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
      expect(await versionsRunning(fleet)).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
      const { targetGroups } = await world.sandbox.control.resources();
      const registered = targetGroups.flatMap((g) => g.registrations).map((r) => `${r.targetId} ${r.state}`).sort();
      expect(registered).toEqual(baseline.instances.map((id) => `${id} healthy`));
      for (const region of REGIONS) expect(await world.servedVersion(region)).toBe('1.0.0');
    }

    it('sets up: an immutable deploy puts v1 live in both regions', async () => {
      succeeded(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0' })));
      baseline = await leftovers(world, env);
      expect({ instances: baseline.instances.length, images: baseline.images.length, untagged: baseline.untagged }).toEqual({ instances: 4, images: 2, untagged: [] });
    });

    it('cancel a mutable deploy mid-batch: every instance changed is rolled back, and no request fails', async () => {
      const deploy = deployWhilePolling(deployArgs(world, { procedure: 'mutable', env, version: '2.0.0', extra: ['--batch-size', '1', '--min-healthy', '1'] }));
      // Inside us-east-1's second batch: its first batch is done (on v2, back in service), the second is being worked on.
      const child = `${workflowId}/us-east-1`;
      await until('the second batch in us-east-1', async () => {
        const [status, pending] = await Promise.all([statusOf(world.client, child), pendingActivities(world.client, child)]);
        const progress = status?.regions['us-east-1'];
        return progress?.batchesDone === 1 && pending.some((a) => ['shiftTraffic', 'syncCode', 'runOnInstances', 'smokeTest'].includes(a)) ? true : undefined;
      });
      const report = await cancel(world, env);
      const { run, reports } = await deploy.stop();
      cancelledDeploy(run);
      expect(report.status).toBe('CANCELLED');
      servedOnlyWithoutFailures(reports);
      await expectOldFleetServing();
      // Both regions' rolling syncs closed too (cancelled by the parent, their own undo done).
      for (const region of REGIONS) {
        const description = await world.client.workflow.getHandle(`${workflowId}/${region}`).describe();
        expect(description.status.name).toBe('CANCELLED');
      }
      // No activity was left running when the deploy and its children closed.
      for (const id of [workflowId, ...REGIONS.map((r) => `${workflowId}/${r}`)]) {
        expect(await neverClosed(world.client, id)).toEqual([]);
      }
    });

    it('cancel an immutable deploy while it shifts traffic: the old fleet is put back, the new one and its images removed, no request fails', async () => {
      const deploy = deployWhilePolling(deployArgs(world, { procedure: 'immutable', env, version: '3.0.0' }));
      await until('the traffic shift', async () => {
        const [status, pending] = await Promise.all([statusOf(world.client, workflowId), pendingActivities(world.client, workflowId)]);
        return status?.phase === 'promoting' && pending.includes('shiftTraffic') ? true : undefined;
      });
      const report = await cancel(world, env);
      const { run, reports } = await deploy.stop();
      const output = cancelledDeploy(run);
      expect(report.status).toBe('CANCELLED');
      const name = `hybrid-deploy/${APP}/3.0.0/${output.runId}`;
      expect([...report.compensation].sort()).toEqual([
        `ok: deregister image ${name} in us-east-1`,
        `ok: deregister image ${name} in us-west-2`,
        'ok: put the old fleet back in service in us-east-1',
        'ok: put the old fleet back in service in us-west-2',
        'ok: terminate the new fleet in us-east-1',
        'ok: terminate the new fleet in us-west-2',
      ]);
      servedOnlyWithoutFailures(reports, ['1.0.0', '3.0.0']);
      const launched = (await world.sandbox.control.resources()).instances.filter((i) => i.tags['hybrid-deploy:run-id'] === output.runId);
      expect(launched.map((i) => i.state)).toEqual(launched.map(() => 'terminated'));
      expect(launched).toHaveLength(5);
      expect(await neverClosed(world.client, workflowId)).toEqual([]);
      await expectOldFleetServing();
    });

    it('cancel a partial deploy while it launches: the instances being launched are found by their tags and terminated', async () => {
      const deploy = deployWhilePolling(deployArgs(world, { procedure: 'partial', env, version: '4.0.0' }));
      await until('the launch', async () => {
        const [pending, { instances }] = await Promise.all([pendingActivities(world.client, workflowId), world.sandbox.control.resources()]);
        const launching = instances.filter((i) => i.tags['hybrid-deploy:env'] === env && i.tags['hybrid-deploy:version'] === '4.0.0');
        return pending.includes('launchInstances') && launching.length > 0 ? true : undefined;
      });
      const report = await cancel(world, env);
      const { run, reports } = await deploy.stop();
      const output = cancelledDeploy(run);
      expect([...report.compensation].sort()).toEqual(['ok: terminate the new fleet in us-east-1', 'ok: terminate the new fleet in us-west-2']);
      servedOnly(reports, '1.0.0');
      const launched = (await world.sandbox.control.resources()).instances.filter((i) => i.tags['hybrid-deploy:run-id'] === output.runId);
      expect(launched.length).toBeGreaterThan(0);
      expect(launched.map((i) => i.state)).toEqual(launched.map(() => 'terminated'));
      expect(await neverClosed(world.client, workflowId)).toEqual([]);
      await expectOldFleetServing();
    });

    /** No failed request; only the versions listed were served (the new one may have served briefly before the cancel). */
    function servedOnlyWithoutFailures(reports: TrafficReport[], versions = ['1.0.0', '2.0.0']): void {
      for (const report of reports) {
        expect({ failures: report.failures, samples: report.samples }).toEqual({ failures: 0, samples: [] });
        expect(report.requests).toBeGreaterThan(20);
        expect(Object.keys(report.versions).filter((v) => !versions.includes(v))).toEqual([]);
      }
    }
  });
});
