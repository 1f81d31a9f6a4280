import { execFileSync } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { startTemporalCluster, type TemporalCluster } from '../../harness/cluster/cluster';
import { registerNamespace } from '../../harness/cluster/namespace';
import { findTemporalServer, setupSchema, TEMPORAL_SERVER_VERSION } from '../../harness/cluster/temporal-server';
import {
  DeployChain,
  DurabilityWorld,
  findOrphans,
  fleetProblems,
  orphanCount,
  runCrash,
  runWorldRestart,
  total,
  type Outcome,
  type RestartTarget,
} from '../../harness/durability';
import { DEPLOY_SEARCH_ATTRIBUTES } from '../../src/contracts';

/**
 * The real Temporal server (built from the Go module proxy, the compose file's release) on a real
 * PostgreSQL, set up as docker-compose.temporal.yml sets it up, with three production worker
 * processes on one task queue. Each procedure runs through the CLI while a worker holding the
 * step is SIGKILLed, the Temporal server is killed and restarted, or PostgreSQL is crashed
 * (immediate shutdown: WAL recovery on restart); every deploy must complete, create nothing twice
 * and leave nothing behind. No server or PostgreSQL here → the suite fails, saying how to get them.
 */
describe('deploys on a real Temporal cluster (PostgreSQL, three workers) survive crashes and restarts', () => {
  let cluster: TemporalCluster;
  let world: DurabilityWorld;
  let chain: DeployChain;
  const outcomes: Outcome[] = [];

  beforeAll(async () => {
    cluster = await startTemporalCluster();
    world = await DurabilityWorld.start({ temporalAddress: cluster.address, workers: 3 });
    chain = new DeployChain(world);
    await world.ensureWorkers();
  }, 180_000);

  afterAll(async () => {
    for (const o of outcomes) console.log(`${o.procedure} ${o.phase}: at ${o.killedAtSeconds}s (${o.killedActivity}), resumed in ${o.resumedInSeconds}s, ${o.seconds}s in all; ${o.notes.join('; ')}`);
    const pids = world?.workerPids ?? [];
    await world?.close();
    await cluster?.stop();
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
    if (cluster) expect(execFileSync('ps', ['-eo', 'args']).toString()).not.toContain(cluster.dir);
  }, 120_000);

  function expectSurvived(outcome: Outcome): void {
    outcomes.push(outcome);
    expect({
      interrupted: outcome.interrupted,
      completed: outcome.completed,
      error: outcome.error,
      duplicates: outcome.duplicates,
      orphans: outcome.orphans,
      fleet: outcome.fleetProblems,
    }).toEqual({
      interrupted: true,
      completed: true,
      error: undefined,
      duplicates: { builders: 0, images: 0, fleet: 0, commands: 0 },
      orphans: { instances: [], images: [], targets: [], snapshots: [], commands: [] },
      fleet: [],
    });
  }

  it('is the compose file\'s setup: server release, namespace retention, Keyword search attributes, dynamic config; the setup steps are idempotent', async () => {
    const connection = await Connection.connect({ address: cluster.address });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toBe(TEMPORAL_SERVER_VERSION);
      const { config } = await connection.workflowService.describeNamespace({ namespace: 'default' });
      expect(Number(config?.workflowExecutionRetentionTtl?.seconds)).toBe(720 * 3600);
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(Object.fromEntries(DEPLOY_SEARCH_ATTRIBUTES.map((k) => [k.name, customAttributes?.[k.name]]))).toEqual(
        Object.fromEntries(DEPLOY_SEARCH_ATTRIBUTES.map((k) => [k.name, 2 /* INDEXED_VALUE_TYPE_KEYWORD */])),
      );
      // deploy/temporal/dynamicconfig/development-sql.yaml sets limit.maxIDLength to 255 (the default is 1000).
      const client = new Client({ connection });
      const start = (id: string) => client.workflow.start('noSuchWorkflow', { taskQueue: `cluster-setup-${Date.now()}`, workflowId: id });
      const tooLong = await start('x'.repeat(256)).then(
        () => 'started',
        (error: Error) => `${error.message}: ${(error.cause as Error | undefined)?.message}`,
      );
      expect(tooLong).toMatch(/WorkflowId length exceeds limit/i);
      const ok = await start(`limit-check-${'x'.repeat(200)}`);
      await ok.terminate('only checking the id length limit');
    } finally {
      await connection.close();
    }
    // As the compose file runs them on every `up`: again, on a cluster already set up.
    await setupSchema(findTemporalServer(), cluster.postgres);
    await registerNamespace(cluster.address);
  });

  it('has three worker processes polling the deploy task queue', async () => {
    const pids = (await world.ensureWorkers()).map((w) => w.pid).sort();
    expect(pids).toHaveLength(3);
    let polling: number[] = [];
    // The task queue has four partitions here (the dev server has one): ask for the pollers of all
    // of them, workflow and activity tasks alike (the CLI's `task-queue describe` does the same).
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
      const { versionsInfo } = await world.client.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: world.taskQueue },
        apiMode: 1, // DESCRIBE_TASK_QUEUE_MODE_ENHANCED
        versions: { unversioned: true },
        taskQueueTypes: [1, 2], // workflow, activity
        reportPollers: true,
      });
      const pollers = Object.values(versionsInfo ?? {}).flatMap((v) => Object.values(v.typesInfo ?? {}).flatMap((t) => t.pollers ?? []));
      polling = [...new Set(pollers.map((p) => Number(p.identity?.split('@')[0])))].sort();
      if (pids.every((pid) => polling.includes(pid))) break;
    }
    expect(polling).toEqual(expect.arrayContaining(pids));
  });

  it('an immutable deploy whose worker is SIGKILLed mid-bake completes on the others: one of everything, nothing left behind', async () => {
    expectSurvived(await runCrash(chain, 'immutable', 'image-pending'));
  });

  it('a partial deploy survives the Temporal server being killed and restarted while its fleet launches; the workers reconnect by themselves', async () => {
    const target: RestartTarget = { name: 'temporal-server-restart', down: () => cluster.server.stop('SIGKILL'), up: () => cluster.server.start() };
    const outcome = await runWorldRestart(chain, target, { procedure: 'partial', phase: 'fleet-launching' });
    expectSurvived(outcome);
    expect(outcome.restart).toMatchObject({ workerSurvived: true, workerReplaced: false });
  });

  it('a mutable deploy whose worker is SIGKILLed mid-rollout completes: each instance synced once, nothing left behind', async () => {
    expectSurvived(await runCrash(chain, 'mutable', 'syncing'));
  });

  it('an immutable deploy survives PostgreSQL crashing (immediate shutdown) and restarting while an image copies', async () => {
    const target: RestartTarget = { name: 'postgresql-restart', down: () => cluster.postgres.stop('immediate'), up: () => cluster.postgres.start() };
    const outcome = await runWorldRestart(chain, target, { procedure: 'immutable', phase: 'copy-pending' });
    expectSurvived(outcome);
    expect(outcome.restart).toMatchObject({ workerSurvived: true, workerReplaced: false });
  });

  it('a mutable deploy survives a graceful restart of the Temporal server mid-rollout', async () => {
    const target: RestartTarget = { name: 'temporal-server-rolling-restart', down: () => cluster.server.stop('SIGTERM'), up: () => cluster.server.start() };
    const outcome = await runWorldRestart(chain, target, { procedure: 'mutable', phase: 'syncing' });
    expectSurvived(outcome);
    expect(outcome.restart).toMatchObject({ workerSurvived: true, workerReplaced: false });
  });

  it('leaves nothing behind across the whole run: the sandbox\'s full resource list holds the live fleet and the catalog, nothing else', async () => {
    expect(outcomes.map((o) => o.procedure).sort()).toEqual(['immutable', 'immutable', 'mutable', 'mutable', 'partial']);
    const listing = await world.sandbox.control.resources();
    const orphans = findOrphans(listing, chain.expected);
    expect(orphans).toEqual({ instances: [], images: [], targets: [], snapshots: [], commands: [] });
    expect(fleetProblems(listing, chain.expected, world.specObject())).toEqual([]);
    expect(outcomes.reduce((n, o) => n + total(o.duplicates) + orphanCount(o.orphans), 0)).toBe(0);
  });
});
