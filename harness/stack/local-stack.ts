import { existsSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { firstLine, startProcess, type StackProcess } from './child';
import { preferredOrFreePort } from './free-port';
import { packageRoot } from '../../src/package-root';
import { terminateOrphanedRuns } from './orphaned-runs';
import { StackState } from './stack-state';
import { startTemporalDevServer, type TemporalDevServer } from './temporal-dev-server';
import { ensureCodecKeyFile } from './codec-keys';
import { codecFromEnv } from '../../src/codec';
import { untilWorkerPolls } from './worker-polls';
import { TASK_QUEUE } from '../../src/task-queue';
import { startCodecServer } from '../../src/codec/server';
import { pollIntervalForTimeScale } from '../../src/activities/deps';

/** What the sandbox prints first: where it is and its load balancers' URLs. */
export interface SandboxHello {
  endpoint: string;
  controlUrl: string;
  loadBalancers: Record<string, Record<string, string>> | Record<string, string>;
  /** Whether the sandbox behaves as AWS really does (eventual consistency, races, registration lag). */
  realism?: boolean;
}

/** The running local stack: a persistent Temporal dev server with the Web UI, the sandbox, a worker. */
export interface LocalStack {
  temporal: TemporalDevServer;
  sandbox: SandboxHello;
  /** The environment a CLI (or a person's shell) needs to use this stack. */
  env: NodeJS.ProcessEnv;
  logDir: string;
  /** What starting it had to clear away first (an earlier stack's processes, a broken store), for people. */
  recovered: string[];
  /** Records a process started for this stack (a CLI run), so a later stack stops it if this one dies. */
  track(name: string, pid: number | undefined): void;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** Where the dev server's SQLite file and the logs live (git-ignored). */
  stateDir?: string;
  /** The sandbox's latency profile. */
  profile?: 'instant' | 'fast' | 'realistic';
  timeScale?: number;
  /** A sandbox config file (JSON or YAML); the built-in world when omitted. */
  sandboxConfigFile?: string;
}

/**
 * Starts the local stack from the build output (`npm run build`): the Temporal dev server with
 * its Web UI (on 7233/8233 when free) and a SQLite store that survives restarts, the AWS sandbox
 * (its data in `<stateDir>/sandbox`) and the production worker pointed at both, exactly as a
 * person would run them. It starts clean after a stack that was killed: the processes that stack
 * left (recorded in `<stateDir>/stack.json`) are stopped first, the sandbox's data dir emptied,
 * a store the dev server cannot open moved aside, and the runs that stack left open terminated
 * before the worker starts (their sandbox is gone).
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const root = packageRoot();
  const stateDir = options.stateDir ?? join(root, '.hybrid-deploy');
  const logDir = join(stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const state = new StackState(join(stateDir, 'stack.json'));
  const recovered = (await state.stopLeftovers()).map((name) => `stopped ${name}, left running by an earlier stack`);
  const started: { stop(): Promise<void> }[] = [];
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    // Newest first: a CLI the caller started and tracked, the worker, the sandbox, the dev server.
    await state.stopOwn();
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
  };
  try {
    // Secrets in workflow history are sealed with the stack's own key; the Web UI decodes them
    // through a codec endpoint on this machine.
    const codecKeyFile = ensureCodecKeyFile(join(stateDir, 'codec-keys'));
    const uiPort = await preferredOrFreePort(8233);
    const codecServer = await startCodecServer(codecFromEnv({ HYBRID_DEPLOY_CODEC_KEY_FILE: codecKeyFile }), {
      allowedOrigins: [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`],
    });
    started.push({ stop: () => codecServer.close() });
    const temporal = await startDevServer(stateDir, logDir, { uiPort, uiCodecEndpoint: codecServer.url }, recovered);
    started.push(temporal);
    state.track('temporal dev server', temporal.pid);
    recovered.push(...(await terminateOrphanedRuns(temporal.address)));

    // The sandbox's instances live in its data dir; an earlier sandbox's are stale by now.
    const dataDir = join(stateDir, 'sandbox');
    rmSync(dataDir, { recursive: true, force: true });
    const sandboxArgs = [join(root, 'dist', 'sandbox', 'cli.js'), '--port', '0', '--profile', options.profile ?? 'fast', '--data-dir', dataDir];
    if (options.timeScale) sandboxArgs.push('--time-scale', String(options.timeScale));
    if (options.sandboxConfigFile) sandboxArgs.push('--config', options.sandboxConfigFile);
    const sandboxLog = openSync(join(logDir, 'sandbox.log'), 'a');
    const sandboxProcess = startProcess('sandbox', process.execPath, sandboxArgs, { stdio: ['ignore', 'pipe', sandboxLog] });
    started.push(sandboxProcess);
    state.track('sandbox', sandboxProcess.child.pid);
    const sandbox = JSON.parse(await firstLine(sandboxProcess.child)) as SandboxHello;
    sandboxProcess.child.stdout?.resume();

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      TEMPORAL_UI_URL: temporal.uiUrl,
      HYBRID_DEPLOY_CODEC_KEY_FILE: codecKeyFile,
      AWS_ENDPOINT_URL: sandbox.endpoint,
      AWS_ACCESS_KEY_ID: 'sandbox',
      AWS_SECRET_ACCESS_KEY: 'sandbox',
      AWS_REGION: 'us-east-1',
      // AWS's 5 s polls, scaled as the sandbox's clock is (its `fast` profile moves about as fast as `realistic` × 0.02).
      HYBRID_DEPLOY_POLL_INTERVAL_MS: String(pollIntervalForTimeScale(options.timeScale ?? 0.02)),
    };
    delete env.HYBRID_DEPLOY_CODEC_KEYS; // the stack's key file, not a key of the caller's shell
    const workerLog = openSync(join(logDir, 'worker.log'), 'a');
    // Supervised as a process manager would: a worker that exits while the stack runs is started
    // again (a few times), and it is said, so a deploy never waits on a worker that is gone.
    let restarts = 0;
    const startWorker = () => {
      const worker: StackProcess = startProcess('worker', process.execPath, [join(root, 'dist', 'src', 'worker.js')], { stdio: ['ignore', workerLog, workerLog], env });
      started.push(worker);
      state.track('worker', worker.child.pid);
      worker.child.once('exit', (code, signal) => {
        if (stopping || restarts >= 3) return;
        restarts++;
        process.stderr.write(`local stack: the worker exited (${signal ?? `code ${code}`}; see ${join(logDir, 'worker.log')}): starting it again\n`);
        startWorker();
      });
    };
    startWorker();
    // A deploy started before the worker polls sits in the queue until it does, and its first
    // workflow task's wait shows in its timeline: the stack is ready once the worker takes work.
    await untilWorkerPolls(temporal.address, TASK_QUEUE, `the worker to poll (see ${join(logDir, 'worker.log')})`);
    return { temporal, sandbox, env, logDir, recovered, track: (name, pid) => state.track(name, pid), stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The dev server on its SQLite store. A store it cannot open (a disk that filled up, a file
 * from an incompatible server version) is moved aside as `temporal.sqlite.broken-<time>` and the
 * server started on a fresh one, rather than leaving the demo unable to start.
 */
async function startDevServer(stateDir: string, logDir: string, ui: { uiPort: number; uiCodecEndpoint: string }, recovered: string[]): Promise<TemporalDevServer> {
  const dbFile = join(stateDir, 'temporal.sqlite');
  const start = async () =>
    startTemporalDevServer({
      dbFile,
      ui: true,
      port: await preferredOrFreePort(7233),
      ...ui,
      logFile: join(logDir, 'temporal.log'),
    });
  try {
    return await start();
  } catch (error) {
    if (!existsSync(dbFile)) throw error;
    const aside = `${dbFile}.broken-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(dbFile, aside);
    for (const suffix of ['-wal', '-shm']) rmSync(`${dbFile}${suffix}`, { force: true });
    recovered.push(`the dev server could not open its store (${(error as Error).message.split('\n')[0]}): moved it to ${aside} and started on a fresh one`);
    return start();
  }
}
