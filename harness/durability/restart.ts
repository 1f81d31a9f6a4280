import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../stack/free-port';
import { startTemporalDevServer, type TemporalDevServer } from '../stack/temporal-dev-server';
import type { Procedure } from '../../src/contracts';
import { resumptionAfter } from './history';
import { waitForPhase, type CrashPhase } from './phases';
import { round, type DeployChain, type Outcome } from './scenarios';
import type { WorkerProcess } from './worker-process';
import { worldDataConverter } from './durability-world';

/** Something taken down and brought back while a deploy runs: the Temporal server, its database… */
export interface RestartTarget {
  /** The outcome's phase, e.g. `server-restart`, `postgresql-restart`. */
  name: string;
  /** Takes it down (however it goes: a crash, a graceful stop). */
  down(): Promise<void>;
  /** Brings it back; resolves once it serves again. */
  up(): Promise<void>;
}

/** Where the deploy runs: the server's client, its task queue and the workers serving it. */
export interface RestartSetting {
  client: Client;
  temporalAddress: string;
  taskQueue: string;
  /** The workers serving the task queue now. */
  workers(): WorkerProcess[];
  /** Replaces a worker (one that died, or one alive but stuck) with a new one. */
  replace(worker: WorkerProcess): Promise<WorkerProcess>;
}

export interface RestartOptions {
  procedure?: Procedure;
  /** When to take the target down (default: mid-bake, `image-pending`). */
  phase?: CrashPhase;
  /** How long it stays down. */
  downMs?: number;
  /** How long the workers get to move the deploy on by themselves before they are replaced. */
  stallMs?: number;
}

/** What the restart did to the workers. */
export interface RestartOutcome extends Outcome {
  restart: {
    downSeconds: number;
    /** Every worker child was still running once the target was back. */
    workerSurvived: boolean;
    workerExit?: string;
    /** The harness had to start a new worker (one died, or none moved the deploy on). */
    workerReplaced: boolean;
  };
}

/**
 * Takes `target` down while a deploy is in `phase`, brings it back after `downMs`, and lets the
 * deploy finish. The workers are left alone: if they reconnect by themselves the deploy resumes
 * with them; a worker that exited is replaced, and if none moves the deploy on within `stallMs`
 * all are; the outcome says which. Then the sandbox is audited, as after a crash.
 */
export async function runRestart(chain: DeployChain, setting: RestartSetting, target: RestartTarget, options: RestartOptions = {}): Promise<RestartOutcome> {
  const { world } = chain;
  const { client } = setting;
  const phase = options.phase ?? 'image-pending';
  const procedure = options.procedure ?? 'immutable';
  await Promise.all(setting.workers().map((w) => w.ready));
  const deploy = await world.startDeploy(procedure, chain.env, chain.nextVersion(), { client, temporalAddress: setting.temporalAddress, taskQueue: setting.taskQueue });
  const hit = await waitForPhase(client, world.sandbox.control, deploy, phase);
  if (!hit) throw new Error(`the ${procedure} deploy finished before ${phase}: no ${target.name} happened`);
  const stoppedAt = Date.now();
  await target.down();
  await new Promise((r) => setTimeout(r, options.downMs ?? 3_000));
  await target.up();
  const backAt = Date.now();
  const downSeconds = round((backAt - stoppedAt) / 1000);
  world.log(`  ${target.name}: down ${downSeconds}s during ${hit.activity}`);

  // Do the workers carry on by themselves? Watch for the deploy's next completed activity.
  const stallMs = options.stallMs ?? 45_000;
  const progressed = async () => (await resumptionAfter(client, deploy.workflowId, backAt).catch(() => undefined))?.activityCompletedAt !== undefined;
  const allAlive = () => setting.workers().every((w) => w.alive());
  let moved = await progressed();
  const stallDeadline = Date.now() + stallMs;
  while (!moved && allAlive() && Date.now() < stallDeadline) {
    await new Promise((r) => setTimeout(r, 250));
    moved = await progressed();
  }
  const notes: string[] = [];
  const dead = setting.workers().filter((w) => !w.alive());
  const exits = await Promise.all(dead.map(async (w) => `pid ${w.pid} exited ${((e) => e.signal ?? e.code)(await w.exited)}`));
  const stuck = !moved && dead.length === 0 ? setting.workers() : [];
  if (dead.length > 0) notes.push(`${exits.join(', ')} during the ${target.name}: replaced`);
  if (stuck.length > 0) notes.push(`workers alive but no progress within ${stallMs / 1000}s: replaced`);
  for (const w of [...dead, ...stuck]) await setting.replace(w);

  const outcome = await chain.settle(client, deploy, {
    kind: 'server-restart',
    phase: target.name,
    interrupted: true,
    killedAtSeconds: round((hit.at - deploy.startedAt) / 1000),
    killedActivity: hit.activity,
    notes,
  });
  const r = await resumptionAfter(client, deploy.workflowId, backAt);
  if (r.activityCompletedAt) outcome.resumedInSeconds = round((r.activityCompletedAt - backAt) / 1000);
  if (r.workflowActedAt) outcome.actedInSeconds = round((r.workflowActedAt - backAt) / 1000);
  outcome.notes.push(`${target.name}: down ${downSeconds}s; first activity completed after it was back: ${r.activity} (attempt ${r.attempt})`);
  return { ...outcome, restart: { downSeconds, workerSurvived: dead.length === 0, workerExit: exits.join(', ') || undefined, workerReplaced: dead.length + stuck.length > 0 } };
}

/** {@link runRestart} on the world's own Temporal, task queue and worker pool. */
export async function runWorldRestart(chain: DeployChain, target: RestartTarget, options: RestartOptions = {}): Promise<RestartOutcome> {
  const { world } = chain;
  await world.ensureWorkers();
  return runRestart(chain, {
    client: world.client,
    temporalAddress: world.temporalAddress,
    taskQueue: world.taskQueue,
    workers: () => world.liveWorkers(),
    replace: (w) => world.killAndReplace(w),
  }, target, options);
}

/**
 * Stops a persistent Temporal dev server (SQLite file, fixed port) while an immutable deploy is
 * in `phase`, starts it again on the same port and file, and lets the deploy finish, with one
 * worker of its own ({@link runRestart}).
 */
export async function runServerRestart(chain: DeployChain, options: Omit<RestartOptions, 'procedure'> = {}): Promise<RestartOutcome> {
  const { world } = chain;
  const dir = join(world.workDir, 'restart');
  const port = await freePort();
  const serverOptions = { dbFile: join(dir, 'temporal.sqlite'), port, logFile: join(dir, 'temporal.log') };
  let server: TemporalDevServer | undefined = await startTemporalDevServer(serverOptions);
  const address = server.address;
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default', dataConverter: worldDataConverter() });
  const taskQueue = `${world.taskQueue}-restart`;
  let workers = [world.spawnWorker(address, taskQueue)];
  try {
    const setting: RestartSetting = {
      client,
      temporalAddress: address,
      taskQueue,
      workers: () => workers,
      replace: async (old) => {
        await old.kill9();
        const replacement = world.spawnWorker(address, taskQueue);
        workers = [...workers.filter((w) => w !== old), replacement];
        return replacement;
      },
    };
    const target: RestartTarget = {
      name: 'server-restart',
      down: async () => {
        await server?.stop();
        server = undefined;
      },
      up: async () => {
        server = await startTemporalDevServer(serverOptions);
      },
    };
    return await runRestart(chain, setting, target, options);
  } finally {
    for (const w of workers) await w.stop(5_000);
    await connection.close();
    await server?.stop();
  }
}
