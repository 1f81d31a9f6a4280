import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import { stringify as toYaml } from 'yaml';
import { startSandbox } from '../sandbox';
import { packageRoot } from '../src/package-root';
import { startTemporalDevServer } from '../harness/stack/temporal-dev-server';
import { createAwsClients } from '../src/aws/clients';
import { exec } from '../src/cli/exec';
import { createDeployWorker } from '../src/deploy-worker';
import { buildExampleArtifact, readExampleSpec } from '../examples/example-app';

/**
 * Records the workflow histories that `test/workflows/replay.test.ts` replays against the current
 * workflow code (the determinism guard): real end-to-end runs — a Temporal dev server, the AWS
 * sandbox, the production worker, deploys through the CLI — of every procedure, succeeding,
 * failing and rolling back. One region, two instances: small files, every code path.
 *
 *   npm run build && node dist/scripts/record-histories.js
 *
 * Writes test/fixtures/histories/manifest.json (each history's workflow id) and <name>.json: the History message as protobufjs renders it
 * (`History.toObject` with longs, enums and bytes as strings; `History.fromObject` reads it back). Re-record only when a change to workflow code is *meant* to break old histories;
 * see test/fixtures/histories/README.md.
 */
const ROOT = packageRoot();
const OUT = join(ROOT, 'test', 'fixtures', 'histories');
const APP = 'example-app';
const ENV = 'fixtures';
const REGION = 'us-east-1';
const WORKFLOW_ID = `deploy/${APP}/${ENV}`;

interface Recording {
  name: string;
  workflowId: string;
  runId: string;
}

async function main(): Promise<void> {
  process.env.AWS_ACCESS_KEY_ID ??= 'sandbox';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'sandbox';
  const work = mkdtempSync(join(tmpdir(), 'hd-record-'));
  const temporal = await startTemporalDevServer({ logFile: join(work, 'temporal.log') });
  const sandbox = await startSandbox({ profile: 'fast' });
  const aws = createAwsClients({ endpoint: sandbox.endpoint });
  const workerConnection = await NativeConnection.connect({ address: temporal.address });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  const taskQueue = 'record-histories';
  try {
    const worker = await createDeployWorker({ connection: workerConnection, namespace: temporal.namespace, taskQueue, activityDeps: { clients: aws, pollIntervalMs: 100 } });
    const recordings = await worker.runUntil(() => deployAll(client, taskQueue, work));
    mkdirSync(OUT, { recursive: true });
    // Replay needs each history's workflow id (child workflow ids derive from it); histories do not carry it.
    const manifest = Object.fromEntries(recordings.map(({ name, workflowId }) => [name, { workflowId }]));
    writeFileSync(join(OUT, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    for (const { name, workflowId, runId } of recordings) {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      const file = join(OUT, `${name}.json`);
      writeFileSync(file, `${JSON.stringify(toFixture(history))}\n`);
      process.stderr.write(`wrote ${file}: ${history.events?.length} events\n`);
    }
  } finally {
    await connection.close();
    await workerConnection.close();
    aws.destroy();
    await sandbox.stop();
    await temporal.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The deploys whose histories are kept, in an order where each finds what it needs (a fleet, a catalog image). */
async function deployAll(client: Client, taskQueue: string, work: string): Promise<Recording[]> {
  const recordings: Recording[] = [];
  const spec = (change?: (s: Record<string, any>) => void) => {
    const s = readExampleSpec();
    s.regions = [REGION];
    s.regionSettings = { [REGION]: s.regionSettings[REGION] };
    s.timeouts.heartbeat = 5;
    s.service.healthCheck.timeoutSeconds = 10;
    change?.(s);
    const file = join(work, `spec-${recordings.length}.yaml`);
    writeFileSync(file, toYaml(s));
    return file;
  };
  const deploy = async (name: string, procedure: string, version: string, expectCode: number, specFile = spec(), extra: string[] = []) => {
    const { url: artifact, sha256 } = buildExampleArtifact(version, join(work, 'artifacts'));
    let stdout = '';
    let stderr = '';
    const code = await exec(
      ['deploy', '--procedure', procedure, '--spec', specFile, '--env', ENV, '--version', version, '--artifact', artifact, '--sha256', sha256, '--wait', '--json', '--task-queue', taskQueue, ...extra],
      { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: process.env, connect: async () => client },
    );
    if (code !== expectCode) throw new Error(`${name}: exit ${code}, expected ${expectCode}\n${stdout}\n${stderr}`);
    const output = JSON.parse(stdout) as { runId: string; result?: { regions: { instanceIds: string[] }[] } };
    recordings.push({ name, workflowId: WORKFLOW_ID, runId: output.runId });
    return output;
  };
  /** A bake alone (`hybrid-deploy bake`), as the nightly schedule starts it. */
  const bake = async (name: string, version: string) => {
    const { url: artifact, sha256 } = buildExampleArtifact(version, join(work, 'artifacts'));
    let stdout = '';
    const code = await exec(
      ['bake', '--spec', spec(), '--env', ENV, '--version', version, '--artifact', artifact, '--sha256', sha256, '--wait', '--json', '--task-queue', taskQueue],
      { stdout: (s) => (stdout += s), stderr: () => undefined, env: process.env, connect: async () => client },
    );
    if (code !== 0) throw new Error(`${name}: exit ${code}\n${stdout}`);
    recordings.push({ name, workflowId: `bake/${APP}/${ENV}`, runId: (JSON.parse(stdout) as { runId: string }).runId });
  };
  /** The rolling sync the last mutable deploy started in the region (a child workflow: its own history). */
  const child = async (name: string) => {
    const workflowId = `${WORKFLOW_ID}/${REGION}`;
    recordings.push({ name, workflowId, runId: (await client.workflow.getHandle(workflowId).describe()).runId });
  };
  const batches = ['--batch-size', '1', '--min-healthy', '1'];

  await deploy('immutable-success', 'immutable', '1.0.0', 0);
  const partial = await deploy('partial-success', 'partial', '2.0.0', 0);
  // The fleet from here on, in the order a rollout takes it (by id).
  const fleet = [...partial.result!.regions[0].instanceIds].sort();
  await deploy('mutable-success', 'mutable', '3.0.0', 0, spec(), batches);
  await child('mutable-success.rolling-sync');
  // Fails after launching the new fleet: the image is deregistered and the new fleet terminated.
  await deploy('immutable-failed-compensated', 'immutable', '4.0.0', 1, spec((s) => (s.postDeploy = ['echo "refusing on purpose" >&2; exit 3'])));
  // The second batch refuses its post-deploy task: the first batch is rolled back to 3.0.0.
  await deploy('mutable-rollback', 'mutable', '5.0.0', 1, spec((s) => (s.postDeploy = [`test "$INSTANCE_ID" != "${fleet[1]}"`])), batches);
  await child('mutable-rollback.rolling-sync');
  await bake('nightly-bake-success', '6.0.0');
  return recordings;
}

/**
 * The History as plain JSON. Not the proto3 JSON of `temporal workflow show -o json`: the SDK's
 * converter for that (`historyToJSON`) fails in this install, where @temporalio/common and
 * @temporalio/proto each carry their own copy of protobufjs; protobufjs' own object form needs
 * only @temporalio/proto.
 */
function toFixture(history: proto.api.history.v1.IHistory): unknown {
  return proto.api.history.v1.History.toObject(proto.api.history.v1.History.fromObject(history), { longs: String, enums: String, bytes: String });
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
