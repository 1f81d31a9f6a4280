/**
 * How a mutable deploy's workflow history grows with the fleet: for fleets of several sizes
 * (batches of 10), the events in the parent deploy and in each run of the region's rolling-sync
 * child. The parent stays flat; the child grows by a fixed amount per batch and continues as new
 * before Temporal's limits (51,200 events, warnings at 10,240) come near.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { DEFAULT_SANDBOX_CONFIG, startSandbox } from '../sandbox';
import { startTemporalDevServer } from '../harness/stack/temporal-dev-server';
import { createAwsClients } from '../src/aws/clients';
import { createDeployWorker } from '../src/deploy-worker';
import { parseDeploySpec } from '../src/request/load';
import type { DeployRequest } from '../src/contracts';
import { buildExampleArtifact, readExampleSpec } from '../examples/example-app';

const SIZES = [10, 30, 60];

async function eventsOf(client: Client, workflowId: string): Promise<number[]> {
  const runs: number[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.push(execution.historyLength);
  return runs.reverse();
}

export async function run(): Promise<void> {
  process.env.AWS_ACCESS_KEY_ID ??= 'bench';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';
  const work = mkdtempSync(join(tmpdir(), 'hd-bench-history-'));
  const temporal = await startTemporalDevServer();
  const sandbox = await startSandbox({ profile: 'fast', config: { ...DEFAULT_SANDBOX_CONFIG, maxInstances: 2 * Math.max(...SIZES) + 10 } });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const workerConnection = await NativeConnection.connect({ address: temporal.address });
  const aws = createAwsClients({ endpoint: sandbox.endpoint });
  const taskQueue = 'bench-history';
  const worker = await createDeployWorker({ connection: workerConnection, taskQueue, activityDeps: { clients: aws, pollIntervalMs: 100 } });
  const running = worker.run();
  const artifact = (version: string) => buildExampleArtifact(version, work);
  const rows: string[] = [];
  try {
    for (const size of SIZES) {
      const raw = readExampleSpec();
      raw.regions = ['us-east-1'];
      delete raw.regionSettings['us-west-2'];
      raw.regionSettings['us-east-1'].desiredCount = size;
      raw.postDeploy = [];
      const spec = parseDeploySpec(raw);
      const env = `fleet${size}`;
      const base: Omit<DeployRequest, 'procedure' | 'version' | 'artifact'> = { spec, env };
      const workflowId = `deploy/${spec.app}/${env}`;
      await client.workflow.execute('fullyImmutableDeploy', { taskQueue, workflowId, args: [{ ...base, procedure: 'immutable', version: '1.0.0', artifact: artifact('1.0.0') }] });
      const started = performance.now();
      await client.workflow.execute('mutableDeploy', {
        taskQueue,
        workflowId,
        args: [{ ...base, procedure: 'mutable', version: '2.0.0', artifact: artifact('2.0.0'), rollout: { batchSize: 10, minHealthy: '50%' } }],
      });
      const seconds = (performance.now() - started) / 1000;
      const parent = (await eventsOf(client, workflowId)).at(-1) ?? 0;
      const child = await eventsOf(client, `${workflowId}/us-east-1`);
      const batches = Math.ceil(size / 10);
      rows.push(
        `| ${String(size).padStart(5)} | ${String(batches).padStart(7)} | ${String(parent).padStart(12)} | ${child.join(' + ').padStart(12)} | ${(child.reduce((a, b) => a + b, 0) / batches).toFixed(1).padStart(15)} | ${seconds.toFixed(1).padStart(9)} |`,
      );
    }
  } finally {
    worker.shutdown();
    await running;
    await workerConnection.close();
    await connection.close();
    aws.destroy();
    await sandbox.stop();
    await temporal.stop();
    rmSync(work, { recursive: true, force: true });
  }
  console.log('| fleet | batches | parent events | child events | events per batch | mutable s |');
  console.log('|------:|--------:|-------------:|-------------:|----------------:|----------:|');
  for (const row of rows) console.log(row);
  console.log('Temporal limits: 51,200 events per run (warning at 10,240); the child continues as new past 2,000.');
}
