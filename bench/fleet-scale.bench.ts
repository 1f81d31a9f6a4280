/**
 * A mutable rollout over a large fleet: for fleets of 100, 300 and 1,000 instances
 * (`BENCH_FLEETS=100,1000`), one region, batches of 5% (`BENCH_BATCH_PERCENT`), the sandbox's
 * `fast` profile with health checks every 2 s (so a thousand targets are checked at a pace one
 * machine serves) and the example app's light runtime on every instance (a real process and the
 * real sync script on each: a few MB each instead of node's tens).
 *
 * The fleet is made by an immutable deploy of 1.0.0; the figures are the mutable deploy of 2.0.0
 * over it: wall time, the parent's history (flat: one child per region, whatever the batches), the
 * region child's runs (continue-as-new) and events per run, the worker's peak RSS (a child process,
 * the production worker) and the bench process's (the sandbox and its load balancer live there).
 */
import { tmpdir } from 'node:os';
import { DEFAULT_SANDBOX_CONFIG } from '../sandbox';
import type { Client } from '@temporalio/client';
import { load1, samplePeakRss } from './support/measure';
import { markdownTable, saveResults } from './support/results';
import { benchSpec, lightArtifacts, request } from './support/specs';
import { BenchWorld } from './support/world';

const REGION = 'us-east-1';

/** One fleet size's figures. */
export interface FleetRun {
  instances: number;
  batches: number;
  mutableSeconds: number;
  parentEvents: number;
  childRuns: number;
  childEventsPerRun: number[];
  peakWorkerRssMb: number;
  peakBenchRssMb: number;
  load: number;
}

/** Events of every run of a workflow id, oldest first. */
async function eventsPerRun(client: Client, workflowId: string): Promise<number[]> {
  const runs: { start: number; events: number }[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    runs.push({ start: execution.startTime.getTime(), events: execution.historyLength });
  }
  return runs.sort((a, b) => a.start - b.start).map((r) => r.events);
}

async function runOnce(instances: number, batchPercent: number, artifacts: ReturnType<typeof lightArtifacts>): Promise<FleetRun> {
  const config = {
    ...DEFAULT_SANDBOX_CONFIG,
    maxInstances: instances + 20,
    regions: DEFAULT_SANDBOX_CONFIG.regions.map((region) => ({
      ...region,
      targetGroups: region.targetGroups?.map((group) => ({ ...group, healthCheckIntervalMs: 2_000, healthyThreshold: 2, deregistrationDelayMs: 1_000 })),
    })),
  };
  const world = await BenchWorld.start({ workers: 1, pollIntervalMs: 250, sandbox: { profile: 'fast', config } });
  try {
    const spec = benchSpec('example-app', [REGION], instances);
    const first = await world.start(request('immutable', spec, `fleet${instances}`, '1.0.0', artifacts('1.0.0')));
    const made = await world.finish(first);
    if (!made.ok) throw new Error(`the immutable deploy of ${instances} instances failed: ${made.error}`);
    console.log(`  ${instances} instances launched by an immutable deploy in ${(made.ms / 1000).toFixed(1)} s`);
    const load = load1();
    const rss = samplePeakRss([world.workers[0].pid, process.pid], 1_000);
    const rollout = await world.start(request('mutable', spec, `fleet${instances}`, '2.0.0', artifacts('2.0.0'), { rollout: { batchSize: `${batchPercent}%`, minHealthy: '50%' } }));
    const done = await world.finish(rollout);
    const [peakWorkerRssMb, peakBenchRssMb] = rss.stop();
    if (!done.ok) throw new Error(`the mutable rollout over ${instances} instances failed: ${done.error}`);
    const parent = (await world.client.workflow.getHandle(rollout.workflowId, rollout.runId).describe()).historyLength;
    const child = await eventsPerRun(world.client, `${rollout.workflowId}/${REGION}`);
    return {
      instances,
      batches: Math.ceil(instances / Math.max(1, Math.floor((instances * batchPercent) / 100))),
      mutableSeconds: done.ms / 1000,
      parentEvents: parent,
      childRuns: child.length,
      childEventsPerRun: child,
      peakWorkerRssMb,
      peakBenchRssMb,
      load,
    };
  } finally {
    await world.close();
  }
}

export async function run(): Promise<void> {
  const sizes = (process.env.BENCH_FLEETS ?? '100,300,1000').split(',').map(Number);
  const batchPercent = Number(process.env.BENCH_BATCH_PERCENT ?? 5);
  const artifacts = lightArtifacts(tmpdir());
  const rows: FleetRun[] = [];
  for (const size of sizes) {
    const row = await runOnce(size, batchPercent, artifacts);
    rows.push(row);
    console.log(
      `  ${size} instances: mutable ${row.mutableSeconds.toFixed(1)} s, parent ${row.parentEvents} events, child runs ${row.childEventsPerRun.join(' + ')} events, ` +
        `worker ${row.peakWorkerRssMb.toFixed(0)} MB, sandbox + bench ${row.peakBenchRssMb.toFixed(0)} MB, load ${row.load}`,
    );
    // Saved after every size: a long run that is stopped keeps what it measured.
    saveResults('fleet-scale', { batchPercent, rows });
  }
  console.log(
    '\n' +
      markdownTable(
        ['instances', 'batches', 'mutable s', 'parent events', 'child runs', 'max events per child run', 'worker RSS MB', 'sandbox + bench RSS MB', 'load'],
        rows.map((r) => [r.instances, r.batches, r.mutableSeconds.toFixed(1), r.parentEvents, r.childRuns, Math.max(...r.childEventsPerRun), r.peakWorkerRssMb.toFixed(0), r.peakBenchRssMb.toFixed(0), r.load]),
      ),
  );
  console.log('Temporal limits: 51,200 events per run (warning at 10,240).');
  console.log(`results: ${saveResults('fleet-scale', { batchPercent, rows })}`);
}
