import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../src/package-root';

/** How to start the production worker (`node dist/src/worker.js`) as a child process. */
export interface WorkerProcessOptions {
  /** `127.0.0.1:PORT` of the Temporal frontend. */
  temporalAddress: string;
  namespace?: string;
  /** The AWS endpoint (the sandbox), handed over as `AWS_ENDPOINT_URL`, as a user would. */
  awsEndpoint: string;
  taskQueue: string;
  /** HYBRID_DEPLOY_POLL_INTERVAL_MS; default 100 (the sandbox's `fast` profile moves in fractions of a second). */
  pollIntervalMs?: number;
  /** Where the child's stdout and stderr go (appended; one file can collect several workers). */
  logFile: string;
  /** Where the child's stdout alone goes too (its JSON log lines, without stderr's warnings). */
  stdoutFile?: string;
  /** Extra environment (e.g. HYBRID_DEPLOY_RATE_LIMITS). */
  env?: NodeJS.ProcessEnv;
  /** The checkout whose `dist/` to run; default this one. */
  root?: string;
}

/** A running worker child. */
export interface WorkerProcess {
  readonly pid: number;
  /** `Date.now()` when it was spawned. */
  readonly spawnedAt: number;
  /** Resolves with `Date.now()` when the worker logs that it is RUNNING (polling); rejects if it exits first. */
  readonly ready: Promise<number>;
  /** Resolves when the process has exited, with its code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True until the process has exited. */
  alive(): boolean;
  /** SIGKILL (a crash: no graceful shutdown, no heartbeat, no completion) and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (the worker drains), then SIGKILL after `graceMs`; waits for the exit. */
  stop(graceMs?: number): Promise<void>;
}

/** Every child spawned here and not yet exited: killed if this process exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** The worker's environment: ours only; Temporal and AWS settings of the parent never leak in. */
export function workerEnv(options: WorkerProcessOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(TEMPORAL_|AWS_|HYBRID_DEPLOY_)/.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    TEMPORAL_ADDRESS: options.temporalAddress,
    TEMPORAL_NAMESPACE: options.namespace ?? 'default',
    AWS_ENDPOINT_URL: options.awsEndpoint,
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
    AWS_REGION: 'us-east-1',
    HYBRID_DEPLOY_TASK_QUEUE: options.taskQueue,
    HYBRID_DEPLOY_POLL_INTERVAL_MS: String(options.pollIntervalMs ?? 100),
    ...options.env,
  };
}

/** The compiled worker, or a message saying to build first. */
export function workerEntryPoint(root = packageRoot()): string {
  const entry = join(root, 'dist', 'src', 'worker.js');
  if (!existsSync(entry) || !existsSync(join(root, 'dist', 'workflow-bundle.js'))) {
    throw new Error(`${entry} or dist/workflow-bundle.js is missing: run \`npm run build\` first (npm test does it in pretest)`);
  }
  return entry;
}

/**
 * Spawns the production worker exactly as an operator runs it, pointed at a Temporal server and
 * an AWS endpoint by environment only. Its output is appended to `logFile`.
 */
export function spawnWorker(options: WorkerProcessOptions): WorkerProcess {
  const entry = workerEntryPoint(options.root);
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log: WriteStream = createWriteStream(options.logFile, { flags: 'a' });
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [entry], { stdio: ['ignore', 'pipe', 'pipe'], env: workerEnv(options) });
  installExitHook();
  live.add(child);
  log.write(`--- worker pid ${child.pid} spawned at ${new Date(spawnedAt).toISOString()} (task queue ${options.taskQueue}) ---\n`);

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      live.delete(child);
      log.end(`--- worker pid ${child.pid} exited (${signal ?? code}) at ${new Date().toISOString()} ---\n`);
      resolveExit(exitInfo);
    });
  });
  const ready = new Promise<number>((resolveReady, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-4000);
      // The SDK logs `Worker state changed { state: 'RUNNING', ... }` once it polls.
      if (/state: 'RUNNING'|"state":"RUNNING"/.test(seen)) {
        child.stderr?.off('data', onData);
        child.stdout?.off('data', onData);
        resolveReady(Date.now());
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    void exited.then((e) => reject(new Error(`worker pid ${child.pid} exited (${e.signal ?? e.code}) before it was running; see ${options.logFile}`)));
  });
  // Nobody may be waiting for readiness (a worker killed at once); never an unhandled rejection.
  ready.catch(() => undefined);
  child.stdout?.pipe(log, { end: false });
  if (options.stdoutFile) child.stdout?.pipe(createWriteStream(options.stdoutFile, { flags: 'a' }));
  child.stderr?.pipe(log, { end: false });

  const signalAndWait = async (signal: NodeJS.Signals, graceMs?: number) => {
    if (exitInfo) return;
    const killer = graceMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.kill(signal);
    await exited;
    if (killer) clearTimeout(killer);
  };
  return {
    pid: child.pid ?? -1,
    spawnedAt,
    ready,
    exited,
    alive: () => exitInfo === undefined,
    kill9: () => signalAndWait('SIGKILL'),
    stop: (graceMs = 15_000) => signalAndWait('SIGTERM', graceMs),
  };
}
