/**
 * What a bake key saves: for a few releases, the wall time of an immutable deploy that bakes, of a
 * second immutable deploy of the same release (the image reused: no builder, no CreateImage), and
 * of a partial deploy of it, each into an env of its own, in two regions. A reused immutable
 * deploy should take about as long as a partial one; the bake's share is what it saves.
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
import type { DeployRequest, RunKind } from '../src/contracts';
import { buildExampleArtifact, readExampleSpec } from '../examples/example-app';

const RELEASES = ['1.0.1', '1.0.2', '1.0.3'];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function run(): Promise<void> {
  process.env.AWS_ACCESS_KEY_ID ??= 'bench';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';
  const work = mkdtempSync(join(tmpdir(), 'hd-bench-reuse-'));
  const temporal = await startTemporalDevServer();
  const sandbox = await startSandbox({ profile: 'fast', config: { ...DEFAULT_SANDBOX_CONFIG, maxInstances: 64 } });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const workerConnection = await NativeConnection.connect({ address: temporal.address });
  const aws = createAwsClients({ endpoint: sandbox.endpoint });
  const taskQueue = 'bench-reuse';
  const worker = await createDeployWorker({ connection: workerConnection, taskQueue, activityDeps: { clients: aws, pollIntervalMs: 100 } });
  const running = worker.run();
  const spec = parseDeploySpec(readExampleSpec());
  const timed = { baked: [] as number[], reused: [] as number[], partial: [] as number[] };
  const deploy = async (procedure: RunKind, env: string, version: string, workflowType: string) => {
    const request: DeployRequest = { procedure, spec, env, version, artifact: buildExampleArtifact(version, work) };
    const started = performance.now();
    await client.workflow.execute(workflowType, { taskQueue, workflowId: `deploy/${spec.app}/${env}`, args: [request] });
    return (performance.now() - started) / 1000;
  };
  try {
    for (const version of RELEASES) {
      const tag = version.replace(/\./g, '-');
      timed.baked.push(await deploy('immutable', `baked-${tag}`, version, 'fullyImmutableDeploy'));
      timed.reused.push(await deploy('immutable', `reused-${tag}`, version, 'fullyImmutableDeploy'));
      timed.partial.push(await deploy('partial', `partial-${tag}`, version, 'partiallyImmutableDeploy'));
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
  const [baked, reused, partial] = [median(timed.baked), median(timed.reused), median(timed.partial)];
  console.log(`releases: ${RELEASES.length}, sandbox profile fast, regions ${spec.regions.join(' + ')}, ${spec.regionSettings[spec.regions[0]].desiredCount} instances per region`);
  console.log('| deploy | median s | each run s |');
  console.log('|---|---:|---|');
  console.log(`| immutable, baked | ${baked.toFixed(1)} | ${timed.baked.map((s) => s.toFixed(1)).join(', ')} |`);
  console.log(`| immutable, image reused | ${reused.toFixed(1)} | ${timed.reused.map((s) => s.toFixed(1)).join(', ')} |`);
  console.log(`| partial | ${partial.toFixed(1)} | ${timed.partial.map((s) => s.toFixed(1)).join(', ')} |`);
  console.log(`reused / partial: ${(reused / partial).toFixed(2)}; reused / baked: ${(reused / baked).toFixed(2)}`);
}
