/**
 * The real parts a benchmark runs against, all on 127.0.0.1: a Temporal dev server, the AWS
 * sandbox (in this process), the production worker as child processes (`node dist/src/worker.js`,
 * configured by environment as an operator would), and a client. Deploys start as the CLI starts
 * them (its workflow names, search attributes and conflict policy).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startTemporalDevServer, type TemporalDevServer } from '../../harness/stack/temporal-dev-server';
import { spawnWorker, type WorkerProcess } from '../../harness/durability/worker-process';
import { startSandbox, type RunningSandbox, type StartSandboxOptions } from '../../sandbox';
import { DEPLOY_WORKFLOWS, startingSearchAttributes } from '../../src/cli/workflow-start';
import { deployWorkflowId, type DeployRequest } from '../../src/contracts';

/** What a bench world is made of. */
export interface BenchWorldOptions {
  sandbox: StartSandboxOptions;
  /** Worker processes serving the task queue. */
  workers: number;
  /** Extra worker environment (e.g. HYBRID_DEPLOY_RATE_LIMITS). */
  workerEnv?: NodeJS.ProcessEnv;
  /** HYBRID_DEPLOY_POLL_INTERVAL_MS of the workers; default the harness's 100 ms. */
  pollIntervalMs?: number;
  /** Another built checkout whose worker to run (`BENCH_WORKER_ROOT`), to measure it with the same bench. */
  workerRoot?: string;
}

/** A started deploy: its ids and when the bench asked for it. */
export interface StartedRun {
  workflowId: string;
  runId: string;
  request: DeployRequest;
  startedAt: number;
}

/** A running bench world; `close()` stops everything it started. */
export class BenchWorld {
  private constructor(
    readonly temporal: TemporalDevServer,
    readonly sandbox: RunningSandbox,
    readonly client: Client,
    private readonly connection: Connection,
    readonly workers: WorkerProcess[],
    readonly taskQueue: string,
    readonly workDir: string,
  ) {}

  static async start(options: BenchWorldOptions): Promise<BenchWorld> {
    process.env.AWS_ACCESS_KEY_ID ??= 'bench';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';
    const workDir = mkdtempSync(join(tmpdir(), 'hd-bench-'));
    const temporal = await startTemporalDevServer({ logFile: join(workDir, 'temporal.log') });
    const sandbox = await startSandbox(options.sandbox);
    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    const taskQueue = 'bench';
    const workers = Array.from({ length: options.workers }, (_, i) =>
      spawnWorker({
        temporalAddress: temporal.address,
        awsEndpoint: sandbox.endpoint,
        taskQueue,
        pollIntervalMs: options.pollIntervalMs,
        logFile: join(workDir, `worker-${i + 1}.log`),
        env: options.workerEnv,
        root: options.workerRoot ?? process.env.BENCH_WORKER_ROOT,
      }),
    );
    // Deploys start only once every worker polls: the first workflow task never waits for one.
    await Promise.all(workers.map((w) => w.ready));
    return new BenchWorld(temporal, sandbox, client, connection, workers, taskQueue, workDir);
  }

  /** Starts a deploy as the CLI does. */
  async start(request: DeployRequest): Promise<StartedRun> {
    const workflowId = deployWorkflowId(request.spec.app, request.env, request.procedure);
    const startedAt = Date.now();
    const handle = await this.client.workflow.start(DEPLOY_WORKFLOWS[request.procedure], {
      args: [request],
      taskQueue: this.taskQueue,
      workflowId,
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: startingSearchAttributes(request),
    });
    return { workflowId, runId: handle.firstExecutionRunId, request, startedAt };
  }

  /** Waits for a run's end; resolves with its outcome and how long it took (ms, start call to close). */
  async finish(run: StartedRun): Promise<{ ok: boolean; ms: number; error?: string }> {
    try {
      await this.client.workflow.getHandle(run.workflowId, run.runId).result();
      return { ok: true, ms: Date.now() - run.startedAt };
    } catch (error) {
      return { ok: false, ms: Date.now() - run.startedAt, error: String((error as Error).cause ?? error).slice(0, 300) };
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.stop(5_000)));
    await this.connection.close().catch(() => undefined);
    await this.sandbox.stop().catch(() => undefined);
    await this.temporal.stop().catch(() => undefined);
    rmSync(this.workDir, { recursive: true, force: true });
  }
}
