#!/usr/bin/env node
/**
 * The reliability run (`npm run reliability [-- --quick] [-- --json]`): kills the production
 * worker (SIGKILL, as a crash) at each phase of each procedure and starts a new one, restarts a
 * persistent Temporal dev server mid-bake, and (full run) deploys under 30% AWS throttling; then
 * prints one row per deploy — did it complete, how soon did it move again, what did it create
 * twice, what did it leave behind (instances, images, snapshots, targets, commands). The sandbox
 * runs with its realism on (eventual consistency, races, SSM registration, as AWS behaves). With `--json`, the last line is one JSON summary.
 *
 * Figures, not assertions: the jest subset (test/durability/crash-quick.test.ts) asserts counts.
 * Everything it starts (sandbox, dev servers, worker children) it stops, also on failure.
 * Needs `npm run build` first (the npm script does it).
 */
import { orphanCount, total } from '../harness/durability/audit';
import { DurabilityWorld } from '../harness/durability/durability-world';
import { runServerRestart } from '../harness/durability/restart';
import { crashMatrix, DeployChain, runCrash, runThrottled, summarize, type Outcome } from '../harness/durability/scenarios';

interface Options {
  quick: boolean;
  json: boolean;
  keep: boolean;
}

function parseArgs(argv: string[]): Options {
  const known = new Set(['--quick', '--json', '--keep']);
  const unknown = argv.filter((a) => !known.has(a));
  if (unknown.length > 0) throw new Error(`unknown option(s) ${unknown.join(' ')} (use --quick, --json, --keep)`);
  return { quick: argv.includes('--quick'), json: argv.includes('--json'), keep: argv.includes('--keep') };
}

function table(outcomes: Outcome[]): string {
  const header = ['phase', 'procedure', 'killed at', 'resumed in s', 'acted in s', 'completed', 'duplicates', 'orphans', 'total s'];
  const rows = outcomes.map((o) => [
    o.phase,
    o.procedure,
    o.interrupted ? `${o.killedAtSeconds}s ${o.killedActivity ?? ''}`.trim() : o.kind === 'throttle' ? '-' : 'missed',
    o.resumedInSeconds?.toFixed(1) ?? '-',
    o.actedInSeconds?.toFixed(1) ?? '-',
    o.completed ? 'yes' : 'NO',
    String(total(o.duplicates)),
    String(orphanCount(o.orphans) + o.fleetProblems.length),
    o.seconds.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function details(outcomes: Outcome[]): string[] {
  const lines: string[] = [];
  for (const o of outcomes) {
    const problems = [
      o.error && `error: ${o.error}`,
      total(o.duplicates) > 0 && `duplicates: ${JSON.stringify(o.duplicates)}`,
      o.orphans.instances.length > 0 && `orphan instances: ${o.orphans.instances.join(', ')}`,
      o.orphans.images.length > 0 && `orphan images: ${o.orphans.images.join(', ')}`,
      o.orphans.targets.length > 0 && `stray targets: ${o.orphans.targets.join(', ')}`,
      o.orphans.snapshots.length > 0 && `orphan snapshots: ${o.orphans.snapshots.join(', ')}`,
      o.orphans.commands.length > 0 && `commands still running: ${o.orphans.commands.join(', ')}`,
      ...o.fleetProblems.map((p) => `fleet: ${p}`),
      ...o.notes,
    ].filter(Boolean);
    if (problems.length > 0) lines.push(`${o.phase} ${o.procedure} ${o.version} (${o.workflowId} ${o.runId}):`, ...problems.map((p) => `  ${p}`));
  }
  return lines;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : Math.round(((sorted[mid - 1] + sorted[mid]) / 2) * 10) / 10;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const began = Date.now();
  const world = await DurabilityWorld.start({ log });
  log(`reliability: sandbox ${world.sandbox.endpoint} (realism ${world.sandbox.realism.enabled ? 'on' : 'off'}), Temporal ${world.temporalAddress}, work dir ${world.workDir}`);
  const outcomes: Outcome[] = [];
  const record = (o: Outcome) => {
    outcomes.push(o);
    log(`  -> ${o.phase} ${o.procedure}: ${o.completed ? 'completed' : 'NOT completed'} in ${o.seconds}s, resumed in ${o.resumedInSeconds ?? '-'}s, duplicates ${total(o.duplicates)}, orphans ${orphanCount(o.orphans)}`);
  };
  let restart: Awaited<ReturnType<typeof runServerRestart>>['restart'] | undefined;
  let failed = false;
  try {
    const chain = new DeployChain(world);
    for (const { procedure, phase } of crashMatrix(options.quick)) {
      log(`crash: ${procedure} at ${phase}`);
      record(await runCrash(chain, procedure, phase));
    }
    log('server restart: immutable, mid-bake');
    const restarted = await runServerRestart(chain);
    restart = restarted.restart;
    record(restarted);
    if (!options.quick) {
      for (const procedure of ['immutable', 'partial', 'mutable'] as const) {
        log(`throttle 30%: ${procedure}`);
        record(await runThrottled(chain, procedure, 0.3));
      }
    }
  } catch (error) {
    failed = true;
    log(`reliability: the run stopped early: ${(error as Error).stack ?? error}`);
  } finally {
    await world.close(options.keep || failed);
  }

  const crashes = outcomes.filter((o) => o.kind !== 'throttle' && o.interrupted);
  const throttled = outcomes.filter((o) => o.kind === 'throttle');
  // Medians over worker kills only: after a server restart the clock starts when the server is back, not a worker.
  const kills = crashes.filter((o) => o.kind === 'crash');
  const resumes = kills.map((o) => o.resumedInSeconds).filter((s): s is number => s !== undefined);
  const { duplicates, orphans } = summarize(outcomes);
  const leftBehind = orphans + outcomes.reduce((n, o) => n + o.fleetProblems.length, 0);
  process.stdout.write(`${table(outcomes)}\n`);
  for (const line of details(outcomes)) process.stdout.write(`${line}\n`);
  if (restart) process.stdout.write(`server restart: worker ${restart.workerSurvived ? 'survived and reconnected' : restart.workerExit}; ${restart.workerReplaced ? 'a new worker was started' : 'no new worker needed'}\n`);
  process.stdout.write(`${crashes.length} crashes, ${crashes.filter((o) => o.completed).length} completed, median resume ${median(resumes) ?? '-'}s, ${Math.round((Date.now() - began) / 1000)}s in all\n`);
  if (options.json) {
    const summary = {
      // The sandbox behaved as AWS does (eventual consistency, races, SSM registration…): see sandbox/README.md.
      realism: world.sandbox.realism.enabled,
      crashes: crashes.length,
      completed: crashes.filter((o) => o.completed).length,
      duplicates,
      orphans: leftBehind,
      faults: throttled.length
        ? {
            throttle: {
              runs: throttled.length,
              completed: throttled.filter((o) => o.completed).length,
              duplicates: summarize(throttled).duplicates,
              orphans: summarize(throttled).orphans,
            },
          }
        : {},
      resumeSecondsMedian: median(resumes),
      actedSecondsMedian: median(kills.map((o) => o.actedInSeconds).filter((s): s is number => s !== undefined)),
      missed: outcomes.filter((o) => o.kind === 'crash' && !o.interrupted).length,
      serverRestart: restart ?? null,
      seconds: Math.round((Date.now() - began) / 1000),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  }
  if (failed || outcomes.some((o) => !o.completed)) process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
});
