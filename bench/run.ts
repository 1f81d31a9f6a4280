#!/usr/bin/env node
/**
 * Runs the benchmarks: every `*.bench.js` beside this file (after `npm run build`), or only those
 * named on the command line (`node dist/bench/run.js rate-limit`). Each bench file exports
 * `run(): Promise<void>`, which prints its own figures; this runner prints a header per bench,
 * its duration, and exits non-zero if any bench threw.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** What a bench file exports. */
export interface BenchModule {
  run(): Promise<void>;
}

const SUFFIX = '.bench.js';

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const available = readdirSync(__dirname)
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length))
    .sort();
  const unknown = wanted.filter((w) => !available.includes(w));
  if (unknown.length > 0) {
    throw new Error(`No bench named ${unknown.join(', ')} (available: ${available.join(', ') || 'none; run npm run build first'})`);
  }
  const selected = wanted.length > 0 ? wanted : available;
  let failed = 0;
  for (const name of selected) {
    console.log(`\n== bench: ${name} ==`);
    const started = performance.now();
    try {
      const bench = (await import(join(__dirname, name + SUFFIX))) as BenchModule;
      await bench.run();
      console.log(`== ${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s ==`);
    } catch (error) {
      failed += 1;
      console.error(`== ${name}: FAILED ==`);
      console.error(error);
    }
  }
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
