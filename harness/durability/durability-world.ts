import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { stringify as toYaml } from 'yaml';
import { startSandbox, type RunningSandbox, type Timings } from '../../sandbox';
import { startTemporalDevServer, type TemporalDevServer, type TemporalDevServerOptions } from '../stack/temporal-dev-server';
import { codecOf, newCodecKeys } from '../stack/codec-keys';
import { exec } from '../../src/cli/exec';
import type { Procedure } from '../../src/contracts';
import { spawnWorker, type WorkerProcess, type WorkerProcessOptions } from './worker-process';
import { buildExampleArtifact, readExampleSpec } from '../../examples/example-app';

/**
 * Slow enough to hit every phase with a poll of the workflow's pending activities, fast enough
 * for a matrix in minutes: the sandbox's `fast` profile (realism on) with images and launches stretched.
 */
export const DURABILITY_TIMINGS: Partial<Timings> = { imageCreateMs: 4_000, imageCopyMs: 4_000, instanceLaunchMs: 1_500 };

/** Seconds between heartbeats before Temporal declares a (killed) worker's activity lost and retries it. */
export const HEARTBEAT_SECONDS = 3;

/** The payload codec keys of every world of this process: its CLI client and its worker children seal with them. */
export const CODEC_KEYS = newCodecKeys('durability');
/** A client of a world's codec, for another Temporal server (the restart scenario's). */
export const worldDataConverter = () => codecOf(CODEC_KEYS).dataConverter;

export interface DurabilityWorldOptions {
  /** An existing dev server (jest's global one); omitted → start an in-memory one and stop it on close. */
  temporalAddress?: string;
  timings?: Partial<Timings>;
  /** Progress lines (stderr in the script, nothing in jest). */
  log?: (line: string) => void;
  /** How many worker processes serve the task queue at once (default 1). */
  workers?: number;
  /** Options for the dev server started when no `temporalAddress` is given (e.g. dynamic config). */
  devServer?: Pick<TemporalDevServerOptions, 'dynamicConfig'>;
}

/** A deploy as started through the CLI. */
export interface StartedDeploy {
  procedure: Procedure;
  env: string;
  version: string;
  workflowId: string;
  runId: string;
  /** `Date.now()` just before the CLI was run. */
  startedAt: number;
}

/**
 * The real parts a crash test needs, all on 127.0.0.1: the AWS sandbox, a Temporal dev server
 * (given or started), a client, the example app's spec (with a short heartbeat timeout) and
 * artifacts, and the production worker as child processes (one, or a pool) that can be killed and replaced.
 * Deploys go through the CLI's `exec`, as CI would run them.
 */
export class DurabilityWorld {
  /** The workers currently serving the task queue (a killed one is replaced). */
  private pool: WorkerProcess[] = [];
  /** Every worker ever spawned here, so close() can stop them all. */
  private readonly workers: WorkerProcess[] = [];
  private readonly artifacts = new Map<string, { url: string; sha256: string }>();
  private specCounter = 0;

  private constructor(
    readonly sandbox: RunningSandbox,
    readonly temporalAddress: string,
    readonly client: Client,
    private readonly connection: Connection,
    private readonly ownServer: TemporalDevServer | undefined,
    readonly workDir: string,
    readonly taskQueue: string,
    readonly log: (line: string) => void,
    /** How many workers {@link ensureWorkers} keeps alive. */
    readonly workerCount: number,
  ) {}

  static async start(options: DurabilityWorldOptions = {}): Promise<DurabilityWorld> {
    const workDir = mkdtempSync(join(tmpdir(), 'hd-durability-'));
    const cleanup: (() => Promise<unknown>)[] = [];
    try {
      const sandbox = await startSandbox({ profile: 'fast', timings: { ...DURABILITY_TIMINGS, ...options.timings } });
      cleanup.push(() => sandbox.stop());
      let ownServer: TemporalDevServer | undefined;
      if (!options.temporalAddress) {
        ownServer = await startTemporalDevServer({ ...options.devServer, logFile: join(workDir, 'temporal.log') });
        cleanup.push(() => ownServer!.stop());
      }
      const address = options.temporalAddress ?? ownServer!.address;
      const connection = await Connection.connect({ address });
      const client = new Client({ connection, namespace: 'default', dataConverter: worldDataConverter() });
      const log = options.log ?? (() => undefined);
      return new DurabilityWorld(sandbox, address, client, connection, ownServer, workDir, `durability-${randomUUID()}`, log, options.workers ?? 1);
    } catch (error) {
      for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
      rmSync(workDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The example spec with the crash-friendly heartbeat timeout (and any change); returns its path. */
  spec(change?: (spec: Record<string, any>) => void): string {
    const spec = readExampleSpec();
    spec.timeouts.heartbeat = HEARTBEAT_SECONDS;
    change?.(spec);
    const file = join(this.workDir, `spec-${++this.specCounter}.yaml`);
    writeFileSync(file, toYaml(spec));
    return file;
  }

  /** The parsed spec (the default one), for fleet sizes and region lists. */
  specObject(): { regions: string[]; regionSettings: Record<string, { desiredCount: number }>; postDeploy: string[] } {
    return readExampleSpec() as ReturnType<DurabilityWorld['specObject']>;
  }

  /** Builds (once) the example app's artifact of a version. */
  artifact(version: string): { url: string; sha256: string } {
    if (!this.artifacts.has(version)) {
      this.artifacts.set(version, buildExampleArtifact(version, join(this.workDir, 'artifacts')));
    }
    return this.artifacts.get(version)!;
  }

  /** Pids of every worker child spawned here (to prove none outlives close()). */
  get workerPids(): number[] {
    return this.workers.map((w) => w.pid);
  }

  /**
   * Spawns a worker child on this world's task queue (against `temporalAddress`, default the
   * world's server); `extra` adds environment (e.g. a worker deployment version) or another bundle.
   */
  spawnWorker(temporalAddress = this.temporalAddress, taskQueue = this.taskQueue, extra: Partial<WorkerProcessOptions> = {}): WorkerProcess {
    const worker = spawnWorker({
      temporalAddress,
      awsEndpoint: this.sandbox.endpoint,
      taskQueue,
      logFile: join(this.workDir, 'workers.log'),
      ...extra,
      // Well above the sandbox's visibility lag; short, so an id truly gone costs seconds.
      env: { HYBRID_DEPLOY_CONSISTENCY_WINDOW_MS: '20000', HYBRID_DEPLOY_CODEC_KEYS: CODEC_KEYS, ...extra.env },
    });
    this.workers.push(worker);
    return worker;
  }

  /** Makes sure `workerCount` live workers serve the task queue (spawning the missing ones); returns them. */
  async ensureWorkers(): Promise<WorkerProcess[]> {
    this.pool = this.pool.filter((w) => w.alive());
    while (this.pool.length < this.workerCount) this.pool.push(this.spawnWorker());
    await Promise.all(this.pool.map((w) => w.ready));
    return [...this.pool];
  }

  /** The pool's workers still alive. */
  liveWorkers(): WorkerProcess[] {
    return this.pool.filter((w) => w.alive());
  }

  /** Makes sure a live worker serves the task queue; returns one. */
  async ensureWorker(): Promise<WorkerProcess> {
    return (await this.ensureWorkers())[0];
  }

  /** The pool's worker behind a Temporal worker identity (the SDK's default identity is `<pid>@<host>`). */
  workerWithIdentity(identity: string | undefined): WorkerProcess | undefined {
    const pid = Number(identity?.split('@')[0]);
    return this.pool.find((w) => w.pid === pid && w.alive());
  }

  /** SIGKILLs `victim` (a crash) and spawns its replacement into the pool at once (not waiting for it to poll). */
  async killAndReplace(victim: WorkerProcess): Promise<WorkerProcess> {
    await victim.kill9();
    const replacement = this.spawnWorker();
    this.pool = [...this.pool.filter((w) => w !== victim && w.alive()), replacement];
    return replacement;
  }

  /**
   * Starts a deploy through the CLI (`deploy … --json`, not waiting) and returns its ids.
   * `client`/`temporalAddress` select another server (the restart scenario's).
   */
  async startDeploy(
    procedure: Procedure,
    env: string,
    version: string,
    options: { client?: Client; temporalAddress?: string; taskQueue?: string; spec?: string } = {},
  ): Promise<StartedDeploy> {
    const { url, sha256 } = this.artifact(version);
    const args = [
      'deploy', '--procedure', procedure, '--spec', options.spec ?? this.spec(), '--env', env, '--version', version,
      '--artifact', url, '--sha256', sha256, '--task-queue', options.taskQueue ?? this.taskQueue, '--json',
      ...(procedure === 'mutable' ? ['--batch-size', '1', '--min-healthy', '1'] : []),
      // Every chain's versions start at 1.0.1 from the same bytes: without it a later chain would
      // reuse an earlier chain's image, and a scenario that crashes the bake would find none to crash.
      ...(procedure === 'immutable' ? ['--force-bake'] : []),
    ];
    let stdout = '';
    let stderr = '';
    const startedAt = Date.now();
    const client = options.client ?? this.client;
    const code = await exec(args, {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      env: { ...process.env, TEMPORAL_ADDRESS: options.temporalAddress ?? this.temporalAddress, TEMPORAL_NAMESPACE: 'default' },
      connect: async () => client,
    });
    if (code !== 0) throw new Error(`hybrid-deploy ${args.join(' ')} exited ${code}: ${stdout} ${stderr}`);
    const { workflowId, runId } = JSON.parse(stdout) as { workflowId: string; runId: string };
    return { procedure, env, version, workflowId, runId, startedAt };
  }

  /** Stops every worker, the client, the server it started and the sandbox; removes the work dir unless `keep`. */
  async close(keep = false): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop(5_000)));
    await this.connection.close();
    await this.ownServer?.stop();
    await this.sandbox.stop();
    if (!keep) rmSync(this.workDir, { recursive: true, force: true });
  }
}
