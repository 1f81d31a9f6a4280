import { WorkflowFailedError, type Client } from '@temporalio/client';
import { imageNameFor, type Procedure } from '../../src/contracts';
import type { DeployResult } from '../../src/workflows/messages';
import { countDuplicates, findOrphans, fleetProblems, orphanCount, total, type Duplicates, type Expected, type Orphans } from './audit';
import type { DurabilityWorld, StartedDeploy } from './durability-world';
import { resumptionAfter } from './history';
import { PHASES_OF, waitForPhase, type CrashPhase } from './phases';
import type { WorkerProcess } from './worker-process';

/** How long one deploy may take, crash and resume included, before the harness gives up on it. */
const DEPLOY_TIMEOUT_MS = 240_000;

/** What one scenario did and left behind. */
export interface Outcome {
  kind: 'crash' | 'server-restart' | 'throttle';
  procedure: Procedure;
  /** The crash phase, `server-restart`, or the fault. */
  phase: string;
  version: string;
  workflowId: string;
  runId: string;
  /** A worker was killed (or the server stopped) in the phase; false when the phase was missed. */
  interrupted: boolean;
  /** Seconds after the deploy started, and the activity that was running. */
  killedAtSeconds?: number;
  killedActivity?: string;
  /** New worker (or restarted server) → first activity completed afterwards, seconds. */
  resumedInSeconds?: number;
  /** New worker (or restarted server) → the workflow acted on that result (its next workflow task completed), seconds. */
  actedInSeconds?: number;
  completed: boolean;
  error?: string;
  seconds: number;
  duplicates: Duplicates;
  orphans: Orphans;
  fleetProblems: string[];
  notes: string[];
}

/**
 * A line of deploys in one env, each building on the last (an immutable deploy makes the fleet
 * and the catalog image a partial deploy starts from, a mutable deploy changes that fleet), and
 * what the world should look like after each: the live fleet and the catalog.
 */
export class DeployChain {
  readonly expected: Expected = { liveFleet: new Set(), catalog: new Set() };
  private versions = 0;
  constructor(readonly world: DurabilityWorld, readonly env = `dur-${Math.random().toString(36).slice(2, 8)}`) {}

  nextVersion(): string {
    return `1.0.${++this.versions}`;
  }

  /** Awaits the deploy, then audits the sandbox against what it should be now. */
  async settle(client: Client, deploy: StartedDeploy, base: Pick<Outcome, 'kind' | 'phase' | 'interrupted' | 'killedAtSeconds' | 'killedActivity' | 'notes'>): Promise<Outcome> {
    const { result, error } = await awaitResult(client, deploy);
    if (result) {
      this.expected.liveFleet = new Set(result.regions.flatMap((r) => r.instanceIds));
      if (deploy.procedure === 'immutable') this.expected.catalog.add(imageNameFor(result.app, deploy.version, deploy.runId));
    }
    const listing = await this.world.sandbox.control.resources();
    const spec = this.world.specObject();
    return {
      ...base,
      procedure: deploy.procedure,
      version: deploy.version,
      workflowId: deploy.workflowId,
      runId: deploy.runId,
      completed: result !== undefined,
      error,
      seconds: round((Date.now() - deploy.startedAt) / 1000),
      duplicates: countDuplicates(listing, deploy, spec),
      orphans: findOrphans(listing, this.expected),
      fleetProblems: fleetProblems(listing, this.expected, spec),
    };
  }
}

/** Seconds to one decimal. */
export function round(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}

/** The deploy's result, or why there is none; rides out a server that is briefly away. Terminates a deploy that hangs. */
export async function awaitResult(client: Client, deploy: StartedDeploy, timeoutMs = DEPLOY_TIMEOUT_MS): Promise<{ result?: DeployResult; error?: string }> {
  const handle = client.workflow.getHandle<() => Promise<DeployResult>>(deploy.workflowId, deploy.runId);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const result = await client.connection.withDeadline(deadline, () => handle.result());
      return { result };
    } catch (error) {
      if (error instanceof WorkflowFailedError) return { error: `${error.message}: ${(error.cause as Error | undefined)?.message ?? ''}` };
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  await handle.terminate('durability harness: the deploy did not finish in time').catch(() => undefined);
  return { error: `not finished after ${timeoutMs / 1000}s (terminated)` };
}

/**
 * Kills the worker that holds the step (SIGKILL) when the deploy is in `phase`, starts a new one
 * at once, and lets the deploy finish; then reads from the histories how soon it moved again and
 * audits the sandbox. With a pool of workers, the others keep serving meanwhile.
 */
export async function runCrash(chain: DeployChain, procedure: Procedure, phase: CrashPhase): Promise<Outcome> {
  const { world } = chain;
  const pool = await world.ensureWorkers();
  const deploy = await world.startDeploy(procedure, chain.env, chain.nextVersion());
  const hit = await waitForPhase(world.client, world.sandbox.control, deploy, phase);
  let replacement: WorkerProcess | undefined;
  const notes: string[] = [];
  if (hit) {
    const holder = world.workerWithIdentity(hit.workerIdentity);
    if (!holder && pool.length > 1) notes.push(`no pool worker has identity ${hit.workerIdentity}: killed pid ${pool[0].pid} instead`);
    const victim = holder ?? pool[0];
    replacement = await world.killAndReplace(victim);
    world.log(`  ${procedure}/${phase}: killed pid ${victim.pid} during ${hit.activity}; new worker pid ${replacement.pid}`);
  }
  const outcome = await chain.settle(world.client, deploy, {
    kind: 'crash',
    phase,
    interrupted: hit !== undefined,
    killedAtSeconds: hit && round((hit.at - deploy.startedAt) / 1000),
    killedActivity: hit?.activity,
    notes: hit ? notes : [`phase ${phase} not seen: the deploy finished without a kill`],
  });
  if (replacement) {
    const r = await resumptionAfter(world.client, deploy.workflowId, replacement.spawnedAt);
    if (r.activityCompletedAt) outcome.resumedInSeconds = round((r.activityCompletedAt - replacement.spawnedAt) / 1000);
    if (r.workflowActedAt) outcome.actedInSeconds = round((r.workflowActedAt - replacement.spawnedAt) / 1000);
    const ready = await replacement.ready.catch(() => undefined);
    if (ready) outcome.notes.push(`new worker polling after ${round((ready - replacement.spawnedAt) / 1000)}s; first activity completed: ${r.activity} (attempt ${r.attempt})`);
  }
  return outcome;
}

/** Every AWS action the deploys use, for the throttle run. */
export const THROTTLED_ACTIONS = [
  'ec2:RunInstances', 'ec2:DescribeInstances', 'ec2:StopInstances', 'ec2:TerminateInstances', 'ec2:CreateImage', 'ec2:CopyImage',
  'ec2:DescribeImages', 'ec2:CreateTags', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups',
  'ssm:GetParameter', 'ssm:SendCommand', 'ssm:ListCommandInvocations', 'ssm:GetCommandInvocation', 'ssm:DescribeInstanceInformation',
  'elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets', 'elasticloadbalancing:DescribeTargetHealth',
  'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeLoadBalancers', 'iam:GetInstanceProfile', 'iam:SimulatePrincipalPolicy',
];

/** A deploy while every AWS action it uses is throttled at `rate` (RequestLimitExceeded / ThrottlingException / Throttling). */
export async function runThrottled(chain: DeployChain, procedure: Procedure, rate = 0.3): Promise<Outcome> {
  const { world } = chain;
  await world.ensureWorker();
  const { control } = world.sandbox;
  await control.resetCalls();
  for (const action of THROTTLED_ACTIONS) await control.throttle({ action, rate });
  let outcome: Outcome;
  try {
    const deploy = await world.startDeploy(procedure, chain.env, chain.nextVersion());
    outcome = await chain.settle(world.client, deploy, { kind: 'throttle', phase: `throttle ${Math.round(rate * 100)}%`, interrupted: false, notes: [] });
  } finally {
    await control.clearFaults();
  }
  const calls = Object.values(await control.calls()).reduce((a, b) => a + b, 0);
  outcome.notes.push(`${calls} AWS calls (throttled ones included)`);
  return outcome;
}

/** Totals for a list of outcomes. */
export function summarize(outcomes: Outcome[]): { duplicates: number; orphans: number } {
  return {
    duplicates: outcomes.reduce((n, o) => n + total(o.duplicates), 0),
    orphans: outcomes.reduce((n, o) => n + orphanCount(o.orphans), 0),
  };
}

/** The crash matrix: every phase of every procedure, in an order where each deploy builds on the last. */
export function crashMatrix(quick = false): { procedure: Procedure; phase: CrashPhase }[] {
  if (quick) return QUICK_CRASHES;
  return (['immutable', 'partial', 'mutable'] as const).flatMap((procedure) => PHASES_OF[procedure].map((phase) => ({ procedure, phase })));
}

/** The representative subset (jest's crash-quick test and `reliability --quick`): the two long AWS waits (bake, region copy), and a live fleet mid-batch. */
export const QUICK_CRASHES: { procedure: Procedure; phase: CrashPhase }[] = [
  { procedure: 'immutable', phase: 'image-pending' },
  { procedure: 'immutable', phase: 'copy-pending' },
  { procedure: 'mutable', phase: 'syncing' },
];
