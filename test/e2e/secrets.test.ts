import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { spawnWorker, type WorkerProcess } from '../../harness/durability/worker-process';
import { codecOf } from '../../harness/stack/codec-keys';
import { startDeployWorld, type CliRun, type DeployWorld } from '../helpers/deploy-world';
import { testTemporalAddress } from '../helpers/temporal';

/** A signature and a token that must never be readable without the codec key. */
const SIGNATURE = `SIGNATURE${Math.random().toString(36).slice(2, 12)}`;
const CREDENTIAL = `AKIA${Math.random().toString(36).slice(2, 12).toUpperCase()}`;
const SPEC_TOKEN = `SPECTOKEN${Math.random().toString(36).slice(2, 12)}`;
const SECRETS = [SIGNATURE, CREDENTIAL, SPEC_TOKEN];

/** Every string in a history, payload bytes decoded as UTF-8 (as the Web UI shows them without a codec), one a line. */
function historyText(value: unknown): string {
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (v instanceof Uint8Array) out.push(Buffer.from(v).toString('utf8'));
    else if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(value);
  return out.join('\n');
}

function found(text: string): string[] {
  return SECRETS.filter((secret) => text.includes(secret));
}

/**
 * A presigned artifact URL on the command line and a token in the spec's post-deploy command go
 * all the way to the instances (the deploy works), yet neither can be read in the workflow
 * history, the worker's logs or the CLI's output by anyone without the codec key.
 */
describe('secrets given to a deploy', () => {
  let world: DeployWorld;
  let worker: WorkerProcess;
  let server: Server;
  let workerLog: string;
  const fetched: string[] = [];

  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'fast', worker: false });
    // The production worker, as an operator runs it, with the CLI's codec keys; its logs go to a file we read.
    workerLog = join(world.sandbox.dataDir, '..', `worker-${Date.now()}.log`);
    worker = spawnWorker({ temporalAddress: testTemporalAddress(), awsEndpoint: world.sandbox.endpoint, taskQueue: world.taskQueue, logFile: workerLog, env: { HYBRID_DEPLOY_CODEC_KEYS: world.codecKeys } });
    await worker.ready;
    // An artifact store that, like S3, serves only a request carrying the right signature.
    const artifactFile = fileURLToPath(world.artifact('1.0.0').url);
    server = createServer((req, res) => {
      fetched.push(req.url ?? '');
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      if (query.get('X-Amz-Signature') !== SIGNATURE) return void res.writeHead(403).end('SignatureDoesNotMatch');
      res.end(readFileSync(artifactFile));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await worker?.stop();
    server?.close();
    await world?.close();
  });

  it('reach the instances, and appear nowhere in history, worker logs or CLI output without the key', async () => {
    const env = world.uniqueEnv('secret');
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/example-app-1.0.0.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${CREDENTIAL}%2F20270101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=${SIGNATURE}`;
    const spec = world.spec((s) => {
      s.regions = ['us-east-1'];
      delete s.regionSettings['us-west-2'];
      s.regionSettings['us-east-1'].desiredCount = 1;
      s.postDeploy = [`printf '%s' '${SPEC_TOKEN}' > /opt/token.txt # uses the secret`];
    });
    const args = (version: string, sha256: string) => ['deploy', '--procedure', 'immutable', '--spec', spec, '--env', env, '--version', version, '--artifact', url, '--sha256', sha256, '--wait', '--json'];
    const runs: CliRun[] = [];

    // A deploy that works: the signature reached curl on the builder, the token the fleet.
    const ok = await world.cli(args('1.0.0', world.artifact('1.0.0').sha256));
    runs.push(ok);
    expect({ code: ok.code, stderr: ok.code === 0 ? '' : ok.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fetched.filter((u) => u.includes(SIGNATURE)).length).toBeGreaterThan(0);
    const fleet = (await world.sandbox.control.resources()).instances.filter((i) => i.tags['hybrid-deploy:env'] === env && i.tags['hybrid-deploy:role'] === 'fleet' && i.state === 'running');
    expect(fleet.map((i) => readFileSync(join(world.sandbox.dataDir, 'instances', i.id, 'opt', 'token.txt'), 'utf8'))).toEqual([SPEC_TOKEN]);

    // A deploy that fails on the artifact (wrong sha256): the error path names the URL, redacted.
    const failedRun = await world.cli(args('1.0.1', '0'.repeat(64)));
    runs.push(failedRun);
    expect(failedRun.code).toBe(1);
    expect(JSON.parse(failedRun.stdout).error).toMatch(/sha256 mismatch for http:\/\/127\.0\.0\.1:\d+\/example-app-1\.0\.0\.tar\.gz\?X-Amz-Algorithm=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED/);
    runs.push(await world.cli(['status', 'example-app', env, '--json']));

    // 1. CLI output.
    expect(found(runs.map((r) => r.stdout + r.stderr).join('\n'))).toEqual([]);

    // 2. Workflow history, every run, read as the Web UI does without a codec server…
    const plain = new Client({ connection: world.client.connection, namespace: 'default' });
    const handles = [];
    for await (const execution of plain.workflow.list({ query: `WorkflowId = 'deploy/example-app/${env}'` })) handles.push(plain.workflow.getHandle(execution.workflowId, execution.runId));
    expect(handles).toHaveLength(2);
    const histories = await Promise.all(handles.map((h) => h.fetchHistory()));
    const text = histories.map(historyText).join('\n');
    expect(found(text)).toEqual([]);
    // …where the story stays readable: the version and the redacted URL, in clear.
    expect(text.includes('"version":"1.0.0"')).toBe(true);
    expect(text.includes('X-Amz-Signature=REDACTED')).toBe(true);
    expect(text.includes('"hybrid-deploy:sealed"')).toBe(true);

    // 3. The worker's logs.
    await worker.stop();
    expect(found(readFileSync(workerLog, 'utf8'))).toEqual([]);

    // With the key, the same history holds the secrets (so the scan above could have found them).
    const { codec } = codecOf(world.codecKeys);
    const decoded = await Promise.all(
      histories.flatMap((h) => h.events ?? []).map(async (event) => {
        const payloads = event.workflowExecutionStartedEventAttributes?.input?.payloads ?? event.activityTaskScheduledEventAttributes?.input?.payloads ?? [];
        return historyText(await codec.decode(payloads.map((p) => ({ metadata: p.metadata ?? {}, data: p.data ?? undefined }))));
      }),
    );
    expect(found(decoded.join('\n')).sort()).toEqual([...SECRETS].sort());
  });
});
