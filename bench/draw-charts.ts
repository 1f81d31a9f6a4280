#!/usr/bin/env node
/**
 * Draws the README's performance charts (docs/bench-*.svg) from the benches' results
 * (bench/results/*.json): `npm run bench:charts`, after `npm run bench -- concurrency fleet-scale`.
 * Results measured on an earlier build for comparison are read from `<name>-before.json` when present.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/package-root';
import type { ConcurrencyRun } from './concurrency.bench';
import type { FleetRun } from './fleet-scale.bench';
import { renderLineChart, type Series } from './charts/line-chart';
import { loadResults, RESULTS_DIR } from './support/results';

const DOCS = join(packageRoot(), 'docs');
const has = (name: string) => existsSync(join(RESULTS_DIR, `${name}.json`));

function concurrencyChart(): string {
  type Results = { rows: ConcurrencyRun[] };
  const after = loadResults<Results>('concurrency');
  const before = has('concurrency-before') ? loadResults<Results>('concurrency-before') : undefined;
  const counts = [...new Set([...after.rows, ...(before?.rows ?? [])].map((r) => r.deploys))].sort((a, b) => a - b);
  const workerCounts = [...new Set(after.rows.map((r) => r.workers))].sort();
  const p50 = (rows: ConcurrencyRun[], workers: number) => counts.map((n) => rows.find((r) => r.workers === workers && r.deploys === n)?.p50Seconds);
  const colors = ['#1f77b4', '#2ca02c'];
  const series: Series[] = [];
  workerCounts.forEach((w, i) => {
    if (before) series.push({ name: `before, ${w} worker${w > 1 ? 's' : ''}`, color: colors[i] ?? '#999', values: p50(before.rows, w), dashed: true });
    series.push({ name: `now, ${w} worker${w > 1 ? 's' : ''}`, color: colors[i] ?? '#999', values: p50(after.rows, w) });
  });
  series.push({ name: 'AWS budget bound', color: '#d62728', values: counts.map((n) => after.rows.find((r) => r.deploys === n)?.boundSeconds), dashed: true });
  return renderLineChart({
    title: 'Median immutable deploy time against concurrent deploys',
    subtitle: 'sandbox fast profile, EC2 token buckets on; bound: the calls one deploy makes against the budget',
    xLabel: 'concurrent deploys (different apps)',
    yLabel: 'median deploy time (s)',
    categories: counts.map(String),
    series,
    width: 720,
  });
}

function fleetChart(): string {
  const { rows } = loadResults<{ rows: FleetRun[] }>('fleet-scale');
  return renderLineChart({
    title: 'A mutable rollout: history per run and worker memory against fleet size',
    subtitle: 'batches of 5%; the region child continues as new; the parent stays flat',
    xLabel: 'instances in the fleet',
    yLabel: 'events per run / MB',
    categories: rows.map((r) => String(r.instances)),
    series: [
      { name: 'max events per child run', color: '#1f77b4', values: rows.map((r) => Math.max(...r.childEventsPerRun)) },
      // A size measured before the bench saved the parent's count has none (null in the file).
      { name: 'parent events', color: '#9467bd', values: rows.map((r) => r.parentEvents ?? undefined) },
      { name: 'worker RSS (MB)', color: '#ff7f0e', values: rows.map((r) => r.peakWorkerRssMb) },
    ],
    width: 720,
  });
}

function main(): void {
  const drawn: string[] = [];
  if (has('concurrency')) {
    writeFileSync(join(DOCS, 'bench-concurrency.svg'), concurrencyChart());
    drawn.push('docs/bench-concurrency.svg');
  }
  if (has('fleet-scale')) {
    writeFileSync(join(DOCS, 'bench-fleet-scale.svg'), fleetChart());
    drawn.push('docs/bench-fleet-scale.svg');
  }
  console.log(drawn.length > 0 ? `drew ${drawn.join(', ')}` : `no results in ${RESULTS_DIR}: run npm run bench first`);
}

main();
