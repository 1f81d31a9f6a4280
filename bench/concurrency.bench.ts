/**
 * Concurrent immutable deploys under EC2's throttling: N deploys of different apps at once
 * (N = 10, 30, 100; `BENCH_CONCURRENCY=10,30`), served by 1 and by 3 production worker processes
 * (`BENCH_WORKERS=1,3`), against the sandbox (`fast` profile, EC2's token buckets on, instances
 * running the example app's light runtime). One region, one instance per app.
 *
 * Figures per run: throughput, p50 and p95 deploy time (start call to close), failed deploys,
 * throttles AWS answered (the sandbox's buckets) and throttles surfaced (attempts that failed on
 * one, from the histories), heartbeat timeouts and retries, peak worker RSS.
 *
 * The lower bound: a deploy alone first, whose EC2 calls per bucket the sandbox counts; the k-th
 * of N deploys cannot end before k deploys' calls fit in the budget the workers allow themselves
 * (the limiter's share of AWS's buckets): (k × calls − capacity) / refill per second, for every
 * bucket. The median's bound is the larger of that (k = N/2) and the deploy alone.
 */
import { DEFAULT_SANDBOX_CONFIG } from '../sandbox';
import { DEFAULT_RATE_LIMITS, DEFAULT_UTILIZATION } from '../src/aws/rate-limit';
import { BenchWorld } from './support/world';
import { addCounts, historyCounts, load1, percentile, samplePeakRss, type HistoryCounts } from './support/measure';
import { markdownTable, saveResults } from './support/results';
import { benchSpec, lightArtifacts, request } from './support/specs';

const REGION = 'us-east-1';
const list = (value: string | undefined, fallback: number[]) => (value ? value.split(',').map(Number) : fallback);

/** One run's figures. */
export interface ConcurrencyRun {
  workers: number;
  deploys: number;
  wallSeconds: number;
  perMinute: number;
  p50Seconds: number;
  p95Seconds: number;
  boundSeconds: number;
  failed: number;
  throttledByAws: number;
  history: HistoryCounts;
  peakWorkerRssMb: number;
  load: number;
}

/** The median deploy's lower bound, from one deploy's calls per EC2 bucket and the limiter's budget. */
export function medianLowerBound(deploys: number, callsPerDeploy: Record<string, number>, aloneSeconds: number): number {
  const k = Math.ceil(deploys / 2);
  let bound = aloneSeconds;
  for (const [bucket, calls] of Object.entries(callsPerDeploy)) {
    const spec = DEFAULT_RATE_LIMITS.ec2[bucket];
    if (!spec) continue;
    const capacity = Math.max(1, Math.floor(spec.capacity * DEFAULT_UTILIZATION));
    bound = Math.max(bound, (k * calls - capacity) / (spec.refillPerSecond * DEFAULT_UTILIZATION));
  }
  return bound;
}

async function runOnce(workers: number, deploys: number, artifacts: ReturnType<typeof lightArtifacts>) {
  const world = await BenchWorld.start({
    workers,
    sandbox: { profile: 'fast', config: { ...DEFAULT_SANDBOX_CONFIG, maxInstances: 3 * deploys + 20 } },
  });
  try {
    await world.sandbox.control.useEc2Buckets(true);
    await world.sandbox.control.resetCalls();
    const rss = samplePeakRss(world.workers.map((w) => w.pid));
    const started = Date.now();
    const runs = await Promise.all(
      Array.from({ length: deploys }, (_, i) => world.start(request('immutable', benchSpec(`bench-app-${String(i + 1).padStart(3, '0')}`, [REGION], 1), 'bench', '1.0.0', artifacts('1.0.0')))),
    );
    const outcomes = await Promise.all(runs.map((run) => world.finish(run)));
    const wallSeconds = (Date.now() - started) / 1000;
    const peaks = rss.stop();
    const buckets = await world.sandbox.control.bucketCalls();
    let history: HistoryCounts = { events: 0, throttlesSurfaced: 0, heartbeatTimeouts: 0, retries: 0 };
    for (const run of runs) history = addCounts(history, await historyCounts(world.client, run.workflowId, run.runId));
    const seconds = outcomes.map((o) => o.ms / 1000);
    const failures = outcomes.filter((o) => !o.ok);
    if (failures.length > 0) console.log(`  ${failures.length} failed, e.g. ${failures[0].error}`);
    return {
      wallSeconds,
      seconds,
      failed: failures.length,
      callsPerBucket: buckets.taken,
      throttledByAws: Object.values(buckets.throttled).reduce((a, b) => a + b, 0),
      history,
      peakWorkerRssMb: Math.max(...peaks),
    };
  } finally {
    await world.close();
  }
}

export async function run(): Promise<void> {
  const counts = list(process.env.BENCH_CONCURRENCY, [10, 30, 100]);
  const workerCounts = list(process.env.BENCH_WORKERS, [1, 3]);
  const artifacts = lightArtifacts((await import('node:os')).tmpdir());
  console.log(`load before: ${load1()}`);
  // One deploy alone: its time, and its EC2 calls per bucket (the budget each deploy draws on).
  const alone = await runOnce(1, 1, artifacts);
  const aloneSeconds = alone.seconds[0];
  console.log(`1 deploy alone: ${aloneSeconds.toFixed(1)} s; EC2 calls per bucket: ${JSON.stringify(alone.callsPerBucket)}`);
  const rows: ConcurrencyRun[] = [];
  for (const workers of workerCounts) {
    for (const deploys of counts) {
      const load = load1();
      const r = await runOnce(workers, deploys, artifacts);
      const row: ConcurrencyRun = {
        workers,
        deploys,
        wallSeconds: r.wallSeconds,
        perMinute: (deploys - r.failed) / (r.wallSeconds / 60),
        p50Seconds: percentile(r.seconds, 50),
        p95Seconds: percentile(r.seconds, 95),
        boundSeconds: medianLowerBound(deploys, alone.callsPerBucket, aloneSeconds),
        failed: r.failed,
        throttledByAws: r.throttledByAws,
        history: r.history,
        peakWorkerRssMb: r.peakWorkerRssMb,
        load,
      };
      rows.push(row);
      console.log(`  ${workers} worker(s), ${deploys} deploys: p50 ${row.p50Seconds.toFixed(1)} s (bound ${row.boundSeconds.toFixed(1)} s), ${row.perMinute.toFixed(1)}/min, load ${load}`);
    }
  }
  console.log(
    '\n' +
      markdownTable(
        ['workers', 'deploys', 'deploys/min', 'p50 s', 'p95 s', 'bound s', 'p50/bound', 'failed', 'AWS throttled', 'throttles surfaced', 'heartbeat timeouts', 'retries', 'worker RSS MB', 'load'],
        rows.map((r) => [
          r.workers,
          r.deploys,
          r.perMinute.toFixed(1),
          r.p50Seconds.toFixed(1),
          r.p95Seconds.toFixed(1),
          r.boundSeconds.toFixed(1),
          (r.p50Seconds / r.boundSeconds).toFixed(2),
          r.failed,
          r.throttledByAws,
          r.history.throttlesSurfaced,
          r.history.heartbeatTimeouts,
          r.history.retries,
          r.peakWorkerRssMb.toFixed(0),
          r.load,
        ]),
      ),
  );
  console.log(`(1 deploy alone: ${aloneSeconds.toFixed(1)} s; EC2 calls per deploy: ${JSON.stringify(alone.callsPerBucket)}; bound: see the file's header)`);
  const file = saveResults('concurrency', { aloneSeconds, callsPerDeploy: alone.callsPerBucket, rows });
  console.log(`results: ${file}`);
}
