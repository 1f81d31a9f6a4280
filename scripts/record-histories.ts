import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
 * failing and rolling back. Three groups: `one-region` (one region, two instances: small files,
 * every step), `two-regions` (what only several regions do: the copy to another region, a
 * region's rollback child after another region failed) and `patched` (the one-region line again
 * on today's code, so the paths behind every patch replay too, under names starting `patched-`).
 *
 *   npm run build && node dist/scripts/record-histories.js <group>...
 *
 * Groups are named, never implied. Each group bakes its own images (`--force-bake`), so recording
 * several in one run gives each the same path as recording it alone. Writes <name>.json for each fixture of the groups
 * recorded (the History message as protobufjs renders it: `History.toObject` with longs, enums and
 * bytes as strings; `History.fromObject` reads it back) and updates their entries in
 * test/fixtures/histories/manifest.json (each history's workflow id), keeping the others.
 * Re-record only when a change to workflow code is *meant* to break old histories; see
 * test/fixtures/histories/README.md.
 */
const ROOT = packageRoot();
const OUT = join(ROOT, 'test', 'fixtures', 'histories');
const APP = 'example-app';
const ENV = 'fixtures';
const REGION = 'us-east-1';
/** The two-region group's env: workflow ids of their own. */
const ENV_2R = 'fixtures-2r';
const WORKFLOW_ID_2R = `deploy/${APP}/${ENV_2R}`;

/** The groups of recordings, each a line of deploys that builds on itself. */
const GROUPS: Record<string, (client: Client, taskQueue: string, work: string) => Promise<Recording[]>> = {
  'one-region': (client, taskQueue, work) => deployAll(client, taskQueue, work),
  'two-regions': deployTwoRegions,
  // The same line of deploys on today's code, every patch taken (the one-region group's
  // histories predate some patches and replay their old branches): the new paths replay too.
  'patched': (client, taskQueue, work) => deployAll(client, taskQueue, work, { env: 'fixtures-patched', prefix: 'patched-' }),
};

interface Recording {
  name: string;
  workflowId: string;
  runId: string;
}

async function main(): Promise<void> {
  const selected = process.argv.slice(2);
  const unknown = selected.filter((g) => !Object.hasOwn(GROUPS, g));
  if (unknown.length > 0) throw new Error(`no group ${unknown.join(', ')} (groups: ${Object.keys(GROUPS).join(', ')})`);
  // Named, never implied: recording `one-region` or `two-regions` again on today's code would
  // lose the old branches their histories replay (see test/fixtures/histories/README.md).
  if (selected.length === 0) throw new Error(`name the groups to record (${Object.keys(GROUPS).join(', ')}); usually only \`patched\``);
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
    const recordings = await worker.runUntil(async () => {
      const all: Recording[] = [];
      for (const group of selected) all.push(...(await GROUPS[group](client, taskQueue, work)));
      return all;
    });
    mkdirSync(OUT, { recursive: true });
    // Replay needs each history's workflow id (child workflow ids derive from it); histories do not carry it.
    const manifestFile = join(OUT, 'manifest.json');
    const kept = existsSync(manifestFile) ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, { workflowId: string }>) : {};
    const manifest = { ...kept, ...Object.fromEntries(recordings.map(({ name, workflowId }) => [name, { workflowId }])) };
    writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
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

/**
 * The deploys whose histories are kept, in an order where each finds what it needs (a fleet, a
 * catalog image), in `env` (workflow ids of its own), each fixture's name after `prefix`.
 */
async function deployAll(client: Client, taskQueue: string, work: string, { env = ENV, prefix = '' } = {}): Promise<Recording[]> {
  const recordings: Recording[] = [];
  const workflowIdOf = `deploy/${APP}/${env}`;
  const spec = (change?: (s: Record<string, any>) => void) => {
    const s = readExampleSpec();
    s.regions = [REGION];
    s.regionSettings = { [REGION]: s.regionSettings[REGION] };
    s.timeouts.heartbeat = 5;
    s.service.healthCheck.timeoutSeconds = 10;
    change?.(s);
    const file = join(work, `spec-${prefix}${recordings.length}.yaml`);
    writeFileSync(file, toYaml(s));
    return file;
  };
  const deploy = async (name: string, procedure: string, version: string, expectCode: number, specFile = spec(), extra: string[] = []) => {
    const { url: artifact, sha256 } = buildExampleArtifact(version, join(work, 'artifacts'));
    let stdout = '';
    let stderr = '';
    const code = await exec(
      ['deploy', '--procedure', procedure, '--spec', specFile, '--env', env, '--version', version, '--artifact', artifact, '--sha256', sha256, '--wait', '--json', '--task-queue', taskQueue, ...(procedure === 'immutable' ? ['--force-bake'] : []), ...extra],
      { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: process.env, connect: async () => client },
    );
    if (code !== expectCode) throw new Error(`${name}: exit ${code}, expected ${expectCode}\n${stdout}\n${stderr}`);
    const output = JSON.parse(stdout) as { runId: string; result?: { regions: { instanceIds: string[] }[] } };
    recordings.push({ name: prefix + name, workflowId: workflowIdOf, runId: output.runId });
    return output;
  };
  /** A bake alone (`hybrid-deploy bake`), as the nightly schedule starts it. */
  const bake = async (name: string, version: string) => {
    const { url: artifact, sha256 } = buildExampleArtifact(version, join(work, 'artifacts'));
    let stdout = '';
    const code = await exec(
      ['bake', '--spec', spec(), '--env', env, '--version', version, '--artifact', artifact, '--sha256', sha256, '--wait', '--json', '--task-queue', taskQueue, '--force-bake'],
      { stdout: (s) => (stdout += s), stderr: () => undefined, env: process.env, connect: async () => client },
    );
    if (code !== 0) throw new Error(`${name}: exit ${code}\n${stdout}`);
    recordings.push({ name: prefix + name, workflowId: `bake/${APP}/${env}`, runId: (JSON.parse(stdout) as { runId: string }).runId });
  };
  /** The rolling sync the last mutable deploy started in the region (a child workflow: its own history). */
  const child = async (name: string) => {
    const workflowId = `${workflowIdOf}/${REGION}`;
    recordings.push({ name: prefix + name, workflowId, runId: (await client.workflow.getHandle(workflowId).describe()).runId });
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
 * What only several regions do, in two regions of two instances: an immutable deploy (the bake,
 * then the copy into the second region beside the first region's launch), and a mutable deploy
 * where us-west-2 finishes and only then us-east-1's second batch fails, so us-east-1's rolling
 * sync rolls back its own batch and the deploy starts us-west-2's rollback child.
 */
async function deployTwoRegions(client: Client, taskQueue: string, work: string): Promise<Recording[]> {
  const recordings: Recording[] = [];
  const gate = join(work, 'gate-open');
  const spec = (change?: (s: Record<string, any>) => void) => {
    const s = readExampleSpec();
    s.timeouts.heartbeat = 5;
    s.service.healthCheck.timeoutSeconds = 10;
    change?.(s);
    const file = join(work, `spec-2r-${recordings.length}.yaml`);
    writeFileSync(file, toYaml(s));
    return file;
  };
  const deploy = (procedure: string, version: string, specFile: string, extra: string[] = []) => {
    const { url: artifact, sha256 } = buildExampleArtifact(version, join(work, 'artifacts'));
    let stdout = '';
    let stderr = '';
    const code = exec(
      ['deploy', '--procedure', procedure, '--spec', specFile, '--env', ENV_2R, '--version', version, '--artifact', artifact, '--sha256', sha256, '--wait', '--json', '--task-queue', taskQueue, ...extra],
      { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: process.env, connect: async () => client },
    );
    return code.then((exitCode) => ({ exitCode, output: JSON.parse(stdout || '{}') as { runId: string; result?: { regions: { region: string; instanceIds: string[] }[] } }, stderr }));
  };
  const latestRun = async (workflowId: string) => (await client.workflow.getHandle(workflowId).describe()).runId;

  const immutable = await deploy('immutable', '1.0.0', spec());
  if (immutable.exitCode !== 0) throw new Error(`immutable-two-regions: exit ${immutable.exitCode}\n${immutable.stderr}`);
  recordings.push({ name: 'immutable-two-regions', workflowId: WORKFLOW_ID_2R, runId: immutable.output.runId });

  // us-east-1's second instance (a rollout takes them by id) refuses its post-deploy task once us-west-2 is done.
  const east = [...immutable.output.result!.regions.find((r) => r.region === 'us-east-1')!.instanceIds].sort();
  const refusing = spec((s) => (s.postDeploy = [`[ "$INSTANCE_ID" != "${east[1]}" ] || { until [ -e ${gate} ]; do sleep 0.1; done; echo "refusing on purpose" >&2; exit 1; }`]));
  const mutable = deploy('mutable', '2.0.0', refusing, ['--batch-size', '1', '--min-healthy', '1']);
  for (const deadline = Date.now() + 180_000; ; await new Promise((r) => setTimeout(r, 100))) {
    const west = await client.workflow.getHandle(`${WORKFLOW_ID_2R}/us-west-2`).describe().catch(() => undefined);
    if (west?.status.name === 'COMPLETED') break;
    if (Date.now() > deadline) throw new Error(`us-west-2's rolling sync did not complete within 180 s (${west?.status.name ?? 'not started'})`);
  }
  writeFileSync(gate, '');
  const rolledBack = await mutable;
  if (rolledBack.exitCode !== 1) throw new Error(`mutable-two-regions-rollback: exit ${rolledBack.exitCode}, expected 1\n${rolledBack.stderr}`);
  recordings.push({ name: 'mutable-two-regions-rollback', workflowId: WORKFLOW_ID_2R, runId: rolledBack.output.runId });
  for (const [name, workflowId] of [
    ['mutable-two-regions-rollback.rolling-sync-us-east-1', `${WORKFLOW_ID_2R}/us-east-1`],
    ['mutable-two-regions-rollback.rolling-sync-us-west-2', `${WORKFLOW_ID_2R}/us-west-2`],
    ['mutable-two-regions-rollback.rollback-us-west-2', `${WORKFLOW_ID_2R}/us-west-2/rollback`],
  ]) {
    recordings.push({ name, workflowId, runId: await latestRun(workflowId) });
  }
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
