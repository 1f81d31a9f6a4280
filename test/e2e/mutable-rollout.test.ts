import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { DeployRequest } from '../../src/contracts';
import { loadDeploySpec } from '../../src/request/load';
import { deployArgs, startDeployWorld, type DeployWorld } from '../helpers/deploy-world';
import { runOnInstances } from '../helpers/instance-commands';
import { failed, fleetOf, succeeded, versionsRunning } from '../helpers/outcomes';
import { pollTraffic } from '../helpers/traffic';

const REGION = 'us-east-1';
const FLEET = 4;

/** The runs of a rolling sync the deploy started, followed through continue-as-new in their histories. */
async function childRuns(client: Client, deployWorkflowId: string, deployRunId: string): Promise<string[]> {
  const parent = (await client.workflow.getHandle(deployWorkflowId, deployRunId).fetchHistory()).events ?? [];
  const childId = `${deployWorkflowId}/${REGION}`;
  let runId = parent.find((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId === childId)?.childWorkflowExecutionStartedEventAttributes
    ?.workflowExecution?.runId ?? undefined;
  const runs: string[] = [];
  while (runId) {
    runs.push(runId);
    const events = (await client.workflow.getHandle(childId, runId).fetchHistory()).events ?? [];
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

/**
 * The mutable procedure on a fleet of four in one region, end to end: the minimum-healthy floor
 * as target health shows it, a rollback that spans runs continued as new, and a release whose
 * own stop script is broken (it cannot block the deploys after it).
 */
describe('mutable rollouts: the healthy floor, rollback across continue-as-new, a bad stop script', () => {
  let world: DeployWorld;
  const env = 'rollout';
  let spec: string;
  let targetGroupArn: string;

  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'fast' });
    spec = world.spec((s) => {
      s.regions = [REGION];
      s.regionSettings = { [REGION]: { ...s.regionSettings[REGION], desiredCount: FLEET } };
      s.service.healthCheck.timeoutSeconds = 5;
    });
    succeeded(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0', spec })));
    targetGroupArn = (await world.sandbox.control.resources()).targetGroups.find((g) => g.region === REGION)!.arn;
  });
  afterAll(async () => {
    await world?.close();
  });

  it('keeps the minimum-healthy floor in service throughout, as target health shows it, batch after batch', async () => {
    const healthy: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { TargetHealthDescriptions = [] } = await world.aws.elbv2(REGION).send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
        healthy.push(TargetHealthDescriptions.filter((d) => d.TargetHealth?.State === 'healthy').length);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const traffic = pollTraffic(world.sandbox.loadBalancers[REGION]['example-web'], { intervalMs: 25 });
    let run;
    try {
      // Batches of up to 3, at least 2 healthy: the floor makes them batches of 2.
      run = await world.cli(deployArgs(world, { procedure: 'mutable', env, version: '2.0.0', spec, extra: ['--batch-size', '3', '--min-healthy', '2'] }));
    } finally {
      sampling = false;
      await sampler;
    }
    succeeded(run);
    const report = await traffic.stop();
    expect({ failures: report.failures, samples: report.samples }).toEqual({ failures: 0, samples: [] });
    expect(report.requests).toBeGreaterThan(20);
    // Never under the floor, and down to it (a batch out of service) while the samples ran; all four healthy at the end.
    expect(healthy.length).toBeGreaterThan(20);
    expect({ fewest: Math.min(...healthy), last: healthy.at(-1) }).toEqual({ fewest: 2, last: FLEET });
    expect(await versionsRunning(await fleetOf(world, env, REGION))).toEqual(Array(FLEET).fill('2.0.0'));
  });

  it('a failure after the rolling sync continued as new rolls back the instances earlier runs updated too', async () => {
    const fleet = await fleetOf(world, env, REGION);
    const marker = '/opt/example-app/shared/refuse-post-deploy';
    const ssm = new SSMClient(world.sandbox.clientConfig(REGION));
    try {
      // The last instance (batches go in id order) refuses its post-deploy task: three batches succeed first.
      await runOnInstances(ssm, [fleet[FLEET - 1].id], `touch ${marker}`);
      const { url, sha256 } = world.artifact('3.0.0');
      const request: DeployRequest = {
        procedure: 'mutable',
        spec: loadDeploySpec(world.spec((s) => {
          s.regions = [REGION];
          s.regionSettings = { [REGION]: { ...s.regionSettings[REGION], desiredCount: FLEET } };
          s.service.healthCheck.timeoutSeconds = 5;
          s.postDeploy = [`test ! -e ${marker}`];
        })),
        env,
        version: '3.0.0',
        artifact: { url, sha256 },
        rollout: { batchSize: 1, minHealthy: 1 },
        // A history budget one batch fits in: every batch after the first starts a new run.
        limits: { historyEventsPerRun: 20 },
      };
      const handle = await world.client.workflow.start('mutableDeploy', { taskQueue: world.taskQueue, workflowId: `deploy/example-app/${env}`, args: [request] });
      const error = await handle.result().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect(String((error as WorkflowFailedError).cause?.message)).toMatch(/the post-deploy tasks of 3\.0\.0 failed/);
      // The rollout ran as four runs; the last one rolled back its own batch and the three earlier runs' batches.
      expect(await childRuns(world.client, handle.workflowId, handle.firstExecutionRunId)).toHaveLength(FLEET);
      const after = await fleetOf(world, env, REGION);
      expect(after.map((i) => i.id)).toEqual(fleet.map((i) => i.id));
      expect(await versionsRunning(after)).toEqual(Array(FLEET).fill('2.0.0'));
      expect(after.map((i) => i.tags['hybrid-deploy:version'])).toEqual(Array(FLEET).fill('2.0.0'));
      await runOnInstances(ssm, [fleet[FLEET - 1].id], `rm -f ${marker}`);
    } finally {
      ssm.destroy();
    }
  });

  it('a release whose stop script fails cannot block the deploys after it', async () => {
    // 4.0.0's own stop script always fails; its restart (stop, then start) runs it.
    const badStop = world.artifactWith('4.0.0', 'bad-stop', { 'bin/stop.sh': '#!/bin/sh\necho "this release cannot stop itself" >&2\nexit 1\n' });
    const bad = failed(await world.cli(deployArgs(world, { procedure: 'mutable', env, version: '4.0.0', spec, artifact: badStop, extra: ['--batch-size', '1', '--min-healthy', '1'] })));
    expect(bad.error).toMatch(/this release cannot stop itself/);
    expect(await versionsRunning(await fleetOf(world, env, REGION))).toEqual(Array(FLEET).fill('2.0.0'));

    // The next release deploys: its own scripts stop what runs, never the bad release's.
    succeeded(await world.cli(deployArgs(world, { procedure: 'mutable', env, version: '5.0.0', spec, extra: ['--batch-size', '1', '--min-healthy', '1'] })));
    const fleet = await fleetOf(world, env, REGION);
    expect(await versionsRunning(fleet)).toEqual(Array(FLEET).fill('5.0.0'));
    expect(await world.servedVersion(REGION)).toBe('5.0.0');
  });
});
