import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ExitCode } from '../../src/cli/exit-codes';
import { connectTestClient, connectTestWorker, testTemporalAddress, uniqueTaskQueue } from '../helpers/temporal';
import { APP, deployArgs, runCli, uniqueEnv } from './run-cli';

const CLIENT_JS = join(__dirname, '..', '..', 'dist', 'src', 'client.js');

/**
 * `status` is a CI gate: its exit code tells how the latest deploy ended (or that it has not),
 * against the real server and a worker running stand-in workflows under the real type names.
 */
describe('hybrid-deploy status: the exit code tells the outcome', () => {
  let client: Client;
  let connection: Connection;
  let workerConnection: NativeConnection;
  let workflowBundle: WorkflowBundleWithSourceMap;
  const env = { TEMPORAL_UI_URL: 'http://ui.test' };
  const cleanup: string[] = [];

  beforeAll(async () => {
    ({ client, connection } = await connectTestClient());
    workerConnection = await connectTestWorker();
    workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/fake-workflows'), logger: silent });
  });
  afterEach(async () => {
    for (const id of cleanup.splice(0)) await client.workflow.getHandle(id).terminate('test cleanup').catch(() => undefined);
  });
  afterAll(async () => {
    await connection?.close();
    await workerConnection?.close();
  });

  async function withWorker<T>(taskQueue: string, fn: () => Promise<T>): Promise<T> {
    const worker = await Worker.create({ connection: workerConnection, taskQueue, workflowBundle });
    return worker.runUntil(fn());
  }
  const status = (envName: string, ...extra: string[]) => runCli(['status', APP, envName, ...extra], { client, env });

  it('0 for a deploy that succeeded, 1 for one that failed', async () => {
    const taskQueue = uniqueTaskQueue('status-done');
    const [good, bad] = [uniqueEnv(), uniqueEnv()];
    await withWorker(taskQueue, () =>
      Promise.all([
        runCli([...deployArgs(good), '--task-queue', taskQueue, '--wait'], { client, env }),
        runCli([...deployArgs(bad, { '--procedure': 'partial' }), '--task-queue', taskQueue, '--wait'], { client, env }),
      ]),
    );
    const succeeded = await status(good, '--json');
    expect(succeeded.code).toBe(ExitCode.OK);
    expect(JSON.parse(succeeded.stdout)).toMatchObject({ outcome: 'succeeded', execution: { status: 'COMPLETED' } });
    const failed = await status(bad);
    expect(failed.code).toBe(ExitCode.DEPLOY_FAILED);
    expect(failed.stdout).toContain(`deploy/${APP}/${bad}: failed`);
  });

  it('a distinct code, and the word cancelled, for a cancelled deploy', async () => {
    const taskQueue = uniqueTaskQueue('status-cancel');
    const envName = uniqueEnv();
    const run = await withWorker(taskQueue, async () => {
      const deploying = runCli([...deployArgs(envName, { '--procedure': 'mutable', '--batch-size': '1' }), '--task-queue', taskQueue, '--wait', '--json'], { client, env });
      await until(async () => (JSON.parse((await status(envName, '--json')).stdout).status?.phase === 'syncing' ? true : undefined));
      const cancelled = await runCli(['cancel', APP, envName, '--wait'], { client, env });
      expect(cancelled.code).toBe(ExitCode.OK);
      const deployed = await deploying;
      return { deployed, text: await status(envName), json: await status(envName, '--json') };
    });
    // The deploy's own --wait agrees with status on the outcome and its code.
    expect(run.deployed.code).toBe(ExitCode.DEPLOY_STOPPED);
    expect(JSON.parse(run.deployed.stdout)).toMatchObject({ outcome: 'cancelled', code: 'DEPLOY_CANCELLED' });
    expect(run.text.code).toBe(ExitCode.DEPLOY_STOPPED);
    expect(run.text.stdout).toContain(`deploy/${APP}/${envName}: cancelled`);
    expect(run.text.stdout).toContain('mutable deploy of cli-test-app 1.4.2 to');
    expect(run.text.stdout).not.toMatch(/phase failed/);
    expect(JSON.parse(run.json.stdout)).toMatchObject({ outcome: 'cancelled', execution: { status: 'CANCELLED' }, status: { compensation: ['restored release 1.0.0 on i-0aaa'] } });
    expect(run.json.code).toBe(ExitCode.DEPLOY_STOPPED);
  });

  it('a code of its own for a deploy still running, and the stopped code for a terminated one', async () => {
    const envName = uniqueEnv();
    const workflowId = `deploy/${APP}/${envName}`;
    cleanup.push(workflowId);
    expect((await runCli([...deployArgs(envName), '--task-queue', uniqueTaskQueue('no-worker')], { client, env })).code).toBe(ExitCode.OK);
    const running = await status(envName);
    expect(running.code).toBe(ExitCode.DEPLOY_RUNNING);
    expect(running.stdout).toContain(`${workflowId}: running`);
    await client.workflow.getHandle(workflowId).terminate('operator stopped it');
    const terminated = await status(envName, '--json');
    expect(terminated.code).toBe(ExitCode.DEPLOY_STOPPED);
    expect(JSON.parse(terminated.stdout)).toMatchObject({ outcome: 'terminated', execution: { status: 'TERMINATED' } });
  });

  it('2 for a deploy that never was', async () => {
    const run = await status(uniqueEnv());
    expect(run.code).toBe(ExitCode.INVALID_INPUT);
    expect(run.stderr).toContain('error [DEPLOY_NOT_FOUND]');
  });

  it('status | head: a closed stdout ends the CLI quietly, with the outcome as its exit code', async () => {
    const envName = uniqueEnv();
    cleanup.push(`deploy/${APP}/${envName}`);
    expect((await runCli([...deployArgs(envName), '--task-queue', uniqueTaskQueue('no-worker')], { client, env })).code).toBe(ExitCode.OK);
    const child = spawn(process.execPath, [CLIENT_JS, 'status', APP, envName], {
      env: { ...process.env, TEMPORAL_ADDRESS: testTemporalAddress(), TEMPORAL_NAMESPACE: 'default' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reader goes away before the CLI writes a byte, as `head` does after its lines.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
    expect({ code, stderr }).toEqual({ code: ExitCode.DEPLOY_RUNNING, stderr: '' });
  });
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const silent = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
