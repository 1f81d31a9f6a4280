import type { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ExitCode } from '../../src/cli/exit-codes';
import { connectTestClient, connectTestWorker, uniqueTaskQueue } from '../helpers/temporal';
import { APP, deployArgs, runCli, uniqueEnv } from './run-cli';

/**
 * `--wait`, failure reports and cancellation, against the real server and a real worker that
 * runs stand-in workflows under the real type names (test/cli/fixtures/fake-workflows.ts).
 */
describe('hybrid-deploy with a worker (stand-in workflows)', () => {
  let client: Client;
  let connection: Connection;
  let workerConnection: NativeConnection;
  let workflowBundle: WorkflowBundleWithSourceMap;
  const env = { TEMPORAL_UI_URL: 'http://ui.test' };

  beforeAll(async () => {
    ({ client, connection } = await connectTestClient());
    workerConnection = await connectTestWorker();
    workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/fake-workflows'), logger: quietLogger });
  });

  afterAll(async () => {
    await connection?.close();
    await workerConnection?.close();
  });

  async function withWorker<T>(taskQueue: string, fn: () => Promise<T>): Promise<T> {
    const worker = await Worker.create({ connection: workerConnection, taskQueue, workflowBundle });
    return worker.runUntil(fn());
  }

  it('--wait shows progress on stderr and the per-region summary on stdout', async () => {
    const taskQueue = uniqueTaskQueue('cli-wait');
    const envName = uniqueEnv();
    const run = await withWorker(taskQueue, () => runCli([...deployArgs(envName), '--task-queue', taskQueue, '--wait'], { client, env }));
    expect(run.code).toBe(ExitCode.OK);
    expect(run.stderr).toMatch(/^\[\d+\.\ds\] phase baking$/m);
    expect(run.stderr).toMatch(/^\[\d+\.\ds\] phase launching\n\[\d+\.\ds\] {3}us-east-1: launching\n\[\d+\.\ds\] {3}us-west-2: launching$/m);
    expect(run.stdout).toMatch(new RegExp(`^deployed ${APP} 1\\.4\\.2 to ${envName} \\(immutable\\) in [\\d.]+s$`, 'm'));
    expect(run.stdout).toContain('  us-east-1: image ami-0123456789abcdef0; instances i-00000000000000000');
    expect(run.stdout).toContain('  us-west-2: image ami-0123456789abcdef0; instances i-00000000000000001');
  });

  it('--wait on a failed deploy exits 1 with the innermost message and the compensation report', async () => {
    const taskQueue = uniqueTaskQueue('cli-fail');
    const envName = uniqueEnv();
    const args = [...deployArgs(envName, { '--procedure': 'partial' }), '--task-queue', taskQueue, '--wait'];
    const run = await withWorker(taskQueue, () => runCli(args, { client, env }));
    expect(run.code).toBe(ExitCode.DEPLOY_FAILED);
    expect(run.stdout).toContain(`deploy of ${APP} 1.4.2 to ${envName} failed after`);
    expect(run.stdout).toContain(': smoke test of i-0123 failed: GET /health answered 503');
    expect(run.stdout).toContain('  compensation:\n    - terminated i-0123 in us-east-1\n    - nothing else to undo');
    expect(run.stderr).toContain('error [DEPLOY_FAILED]');

    const json = await withWorker(taskQueue, () => runCli([...args, '--json'], { client, env }));
    expect(json.code).toBe(ExitCode.DEPLOY_FAILED);
    expect(JSON.parse(json.stdout)).toMatchObject({
      workflowId: `deploy/${APP}/${envName}`,
      error: 'smoke test of i-0123 failed: GET /health answered 503',
      compensation: ['terminated i-0123 in us-east-1', 'nothing else to undo'],
    });
  });

  it('cancel --wait stops a running deploy; the waiting deploy exits 5 with "cancelled"', async () => {
    const taskQueue = uniqueTaskQueue('cli-cancel');
    const envName = uniqueEnv();
    const args = [...deployArgs(envName, { '--procedure': 'mutable', '--batch-size': '1' }), '--task-queue', taskQueue, '--wait'];
    const [deploy, cancel] = await withWorker(taskQueue, async () => {
      const deploying = runCli(args, { client, env });
      // Cancel once the workflow is syncing (its status query answers).
      const status = await waitFor(async () => {
        const run = await runCli(['status', APP, envName, '--json'], { client, env });
        return run.code === ExitCode.DEPLOY_RUNNING && JSON.parse(run.stdout).status?.phase === 'syncing' ? run : undefined;
      });
      expect(status.stdout).toContain('"batchesTotal": 3');
      const cancelling = runCli(['cancel', APP, envName, '--wait'], { client, env });
      return Promise.all([deploying, cancelling]);
    });
    expect(cancel.code).toBe(ExitCode.OK);
    expect(cancel.stdout).toContain(`deploy/${APP}/${envName} run `);
    expect(cancel.stdout).toContain(': CANCELLED');
    // The report comes from the status query of the closed run; stderr says why if it is missing.
    expect({ stdout: cancel.stdout, stderr: cancel.stderr }).toEqual({ stdout: expect.stringContaining('    - restored release 1.0.0 on i-0aaa'), stderr: expect.any(String) });
    expect(deploy.code).toBe(ExitCode.DEPLOY_STOPPED);
    expect(deploy.stdout).toContain(`deploy of ${APP} 1.4.2 to ${envName} cancelled after`);
    expect(deploy.stderr).toContain('error [DEPLOY_CANCELLED]');
    const history = await client.workflow.getHandle(`deploy/${APP}/${envName}`).fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
    expect(input).toBe('mutableDeploy');
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => console.error(message),
};
