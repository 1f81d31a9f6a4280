/**
 * How close each procedure comes to its ideal critical path: the demo's three deploys (immutable
 * over two regions, then partial, then mutable with batches of one), on the sandbox at AWS's
 * proportions (`realistic` × 0.02, `BENCH_TIME_SCALE`) and the demo's load balancer settings, one
 * production worker.
 *
 * A run's critical path is read from its history (the chain of steps that decided its end, as
 * `hybrid-deploy report` draws it). Each step on it has an ideal duration from the sandbox's own
 * timings (below); the ideal critical path is their sum. Printed: wall / ideal per procedure,
 * mutable wall / immutable wall beside the same ratio of their ideals, and each step's excess
 * (its time beyond its ideal: queueing, polling slack, real script work) plus the time between
 * steps (workflow tasks).
 *
 * Ideal step durations: a launch is the instance's launch plus its slowest agent coming online
 * (the registration time the sandbox drew for each instance, its realism's jitter included); a
 * command (sync, post-deploy tasks) is its delivery and pickup (the script's own run time counts
 * as excess); a bake is the builder's stop, the realism's settling of a just-stopped instance
 * (CreateImage's race) and the image's creation (not the builder's termination, which need not
 * delay the copy); a copy is the copy; making live is (healthy threshold − ½) health
 * check intervals (a target registered at a random moment of the interval); a drain is the
 * deregistration delay; a termination is the instance's (none for the builder, whose termination
 * need not delay anything, or for an empty old fleet); lookups and smoke tests are 0.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildExampleArtifact } from '../examples/example-app';
import { DEFAULT_SANDBOX_CONFIG, type Timings } from '../sandbox';
import { readTimeline } from '../src/cli/timeline/read-history';
import type { TimelineBar } from '../src/cli/timeline/timeline';
import { load1 } from './support/measure';
import { markdownTable, saveResults } from './support/results';
import { benchSpec, request } from './support/specs';
import { BenchWorld } from './support/world';
import { pollIntervalForTimeScale } from '../src/activities/deps';

/** The load balancer settings of the demo's world (scripts/demo.ts): 30 s drain, healthy after 2 checks 10 s apart. */
function demoTargetGroups(timeScale: number) {
  return { deregistrationDelayMs: Math.round(30_000 * timeScale), healthCheckIntervalMs: Math.max(10, Math.round(10_000 * timeScale)), healthyThreshold: 2 };
}

/** What the sandbox itself drew for a run: each launched instance's agent registration time (its realism's jitter included). */
export interface RunWorld {
  timings: Timings;
  /** The realism's wait between `stopped` and an image that can be made of it. */
  stoppedSettleMs: number;
  /** Instances the run launched: region, role, and how long after `running` their agent registered. */
  launched: { region: string; role: string; agentRegistrationMs?: number }[];
}

/**
 * A critical step's ideal duration (ms) from the sandbox's timings and what it drew: a launch
 * waits for the slowest of its instances' agents, whose registration the realism's jitter
 * delays (AWS: 30 s to minutes), so its ideal is the launch plus the longest registration drawn.
 */
export function idealMs(bar: TimelineBar, world: RunWorld, groups: ReturnType<typeof demoTargetGroups>): number {
  const t = world.timings;
  const command = t.commandVisibleMs + t.commandStartMs;
  switch (bar.type) {
    case 'launchInstances': {
      const role = /builder/.test(bar.label) ? 'builder' : 'fleet';
      const drawn = world.launched.filter((i) => i.role === role && i.region === bar.lane).map((i) => i.agentRegistrationMs ?? t.agentOnlineMs);
      return t.instanceLaunchMs + Math.max(t.agentOnlineMs, ...drawn);
    }
    case 'syncCode':
    case 'runOnInstances':
      return command;
    case 'bakeAmi':
      // CreateImage on an instance only just stopped fails until it settles (the realism's race, as on AWS).
      return t.instanceStopMs + world.stoppedSettleMs + t.imageCreateMs;
    case 'copyAmi':
      return t.imageCopyMs;
    case 'terminateInstances':
      // Nothing to retire takes no time; the builder's termination need not delay anything.
      return /\(0\)|builder/.test(bar.label) ? 0 : t.instanceTerminateMs;
    case 'shiftTraffic': {
      const live = /live|back in service/.test(bar.label) ? (groups.healthyThreshold - 0.5) * groups.healthCheckIntervalMs : 0;
      const drains = /out of service/.test(bar.label) || /drain [1-9]/.test(bar.label);
      return live + (drains ? groups.deregistrationDelayMs : 0);
    }
    default:
      return 0;
  }
}

/** One procedure's figures. */
export interface CriticalPathRun {
  procedure: string;
  wallMs: number;
  idealMs: number;
  ratio: number;
  steps: { label: string; ms: number; idealMs: number }[];
  betweenStepsMs: number;
  load: number;
}

export async function run(): Promise<void> {
  const timeScale = Number(process.env.BENCH_TIME_SCALE ?? 0.02);
  // The example app's runtime (`perl`: its light one): restarting it is the app's own work, which the figures count as excess.
  const runtime = process.env.BENCH_APP_RUNTIME === 'perl' ? 'perl' : 'node';
  const groups = demoTargetGroups(timeScale);
  const config = {
    ...DEFAULT_SANDBOX_CONFIG,
    regions: DEFAULT_SANDBOX_CONFIG.regions.map((region) => ({ ...region, targetGroups: region.targetGroups?.map((group) => ({ ...group, ...groups })) })),
  };
  const world = await BenchWorld.start({ workers: 1, pollIntervalMs: pollIntervalForTimeScale(timeScale), sandbox: { profile: 'realistic', timeScale, config } });
  const work = mkdtempSync(join(tmpdir(), 'hd-bench-critical-'));
  const spec = benchSpec('example-app', ['us-east-1', 'us-west-2'], 2);
  const rows: CriticalPathRun[] = [];
  try {
    const plan = [
      { procedure: 'immutable', version: '1.0.0', extra: {} },
      { procedure: 'partial', version: '2.0.0', extra: {} },
      { procedure: 'mutable', version: '3.0.0', extra: { rollout: { batchSize: 1, minHealthy: 1 } } },
    ] as const;
    for (const step of plan) {
      const load = load1();
      const artifact = buildExampleArtifact(step.version, work, runtime);
      const started = await world.start(request(step.procedure, spec, 'bench', step.version, artifact, step.extra));
      const outcome = await world.finish(started);
      if (!outcome.ok) throw new Error(`${step.procedure} ${step.version} failed: ${outcome.error}`);
      const timeline = await readTimeline(world.client, started.workflowId, started.runId);
      const critical = timeline.bars.filter((bar) => bar.critical).sort((a, b) => a.scheduledMs - b.scheduledMs);
      const { instances } = await world.sandbox.control.resources();
      const drawn: RunWorld = {
        timings: world.sandbox.timings,
        stoppedSettleMs: world.sandbox.realism.stoppedSettleMs,
        launched: instances
          .filter((i) => i.tags['hybrid-deploy:run-id'] === started.runId)
          .map((i) => ({ region: i.region, role: i.tags['hybrid-deploy:role'] ?? '', agentRegistrationMs: i.agentRegistrationMs })),
      };
      const steps = critical.map((bar) => ({ label: bar.label, ms: bar.endMs - bar.scheduledMs, idealMs: idealMs(bar, drawn, groups) }));
      const wallMs = timeline.endMs - timeline.startMs;
      const ideal = steps.reduce((sum, s) => sum + s.idealMs, 0);
      rows.push({ procedure: step.procedure, wallMs, idealMs: ideal, ratio: wallMs / ideal, steps, betweenStepsMs: wallMs - steps.reduce((sum, s) => sum + s.ms, 0), load });
    }
  } finally {
    await world.close();
  }
  const s = (ms: number) => (ms / 1000).toFixed(2);
  console.log(markdownTable(['procedure', 'wall s', 'ideal s', 'wall / ideal', 'load'], rows.map((r) => [r.procedure, s(r.wallMs), s(r.idealMs), r.ratio.toFixed(2), r.load])));
  const [immutable, , mutable] = rows;
  console.log(`\nmutable / immutable wall: ${(mutable.wallMs / immutable.wallMs).toFixed(3)} (ideal: ${(mutable.idealMs / immutable.idealMs).toFixed(3)})`);
  for (const r of rows) {
    console.log(`\n${r.procedure}: excess per step on the critical path (time between steps: ${s(r.betweenStepsMs)} s)`);
    console.log(markdownTable(['step', 'took s', 'ideal s', 'excess s'], r.steps.map((x) => [x.label.slice(0, 90), s(x.ms), s(x.idealMs), s(x.ms - x.idealMs)])));
  }
  console.log(`\nresults: ${saveResults(runtime === 'node' ? 'critical-path' : `critical-path-${runtime}`, { timeScale, runtime, rows })}`);
}
