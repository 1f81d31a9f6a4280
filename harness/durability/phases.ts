import type { Client } from '@temporalio/client';
import type { ResourceListing, SandboxControl } from '../../sandbox';
import { imageNameFor, type Procedure } from '../../src/contracts';
import type { StartedDeploy } from './durability-world';

/** Where a deploy can be killed: one name per slow step of the three procedures. */
export const CrashPhases = [
  'builder-launching',
  'provisioning',
  'image-pending',
  'copy-pending',
  'fleet-launching',
  'syncing',
  'shifting-traffic',
] as const;
export type CrashPhase = (typeof CrashPhases)[number];

/** Which phases each procedure goes through (the crash matrix). */
export const PHASES_OF: Record<Procedure, CrashPhase[]> = {
  immutable: ['builder-launching', 'provisioning', 'image-pending', 'copy-pending', 'fleet-launching', 'shifting-traffic'],
  partial: ['fleet-launching', 'syncing', 'shifting-traffic'],
  mutable: ['syncing', 'shifting-traffic'],
};

/** An activity a workflow (or one of its children) is running. */
export interface RunningActivity {
  workflowId: string;
  type: string;
  /** Temporal's PendingActivityState: STARTED means a worker holds it. */
  started: boolean;
  attempt: number;
  /** The identity of the worker that holds (or last held) it: `<pid>@<host>` by default. */
  workerIdentity?: string;
}

/** One look at a deploy: its status and every pending activity, children's included. */
export interface Observation {
  closed: boolean;
  activities: RunningActivity[];
}

const PENDING_ACTIVITY_STARTED = 2;

/** Describes a workflow and its running children (a mutable deploy's syncs run in children). */
export async function observe(client: Client, workflowId: string): Promise<Observation> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const closed = description.status.name !== 'RUNNING';
  const activities: RunningActivity[] = [];
  const collect = (id: string, raw: typeof description.raw) => {
    for (const a of raw.pendingActivities ?? []) {
      const state = a.state as unknown;
      activities.push({
        workflowId: id,
        type: a.activityType?.name ?? '',
        started: state === PENDING_ACTIVITY_STARTED || state === 'PENDING_ACTIVITY_STATE_STARTED',
        attempt: a.attempt ?? 1,
        workerIdentity: a.lastWorkerIdentity ?? undefined,
      });
    }
  };
  collect(workflowId, description.raw);
  for (const child of description.raw.pendingChildren ?? []) {
    if (!child.workflowId) continue;
    try {
      collect(child.workflowId, (await client.workflow.getHandle(child.workflowId).describe()).raw);
    } catch {
      // A child that just closed: nothing of it is running.
    }
  }
  return { closed, activities };
}

/** The sandbox's truth about one deploy run, looked up only when a predicate needs it. */
export interface RunTruth {
  listing: ResourceListing;
  builders: ResourceListing['instances'];
  fleet: ResourceListing['instances'];
  images: ResourceListing['images'];
  /** SSM invocations still running on the run's instances (or, for mutable, any sent since the deploy started). */
  runningInvocations: { commandId: string; instanceId: string; status: string }[];
  /** Target registrations of the run's new fleet (immutable/partial) or draining ones (mutable). */
  registrations: { targetId: string; state: string }[];
}

/** The sandbox's resources seen from one run: what it created, what it is running. */
export async function runTruth(control: SandboxControl, deploy: StartedDeploy, app = 'example-app'): Promise<RunTruth> {
  const listing = await control.resources();
  const ofRun = (tags: Record<string, string>) => tags['hybrid-deploy:run-id'] === deploy.runId;
  const builders = listing.instances.filter((i) => ofRun(i.tags) && i.tags['hybrid-deploy:role'] === 'builder');
  const fleet = listing.instances.filter((i) => ofRun(i.tags) && i.tags['hybrid-deploy:role'] === 'fleet');
  const imageName = imageNameFor(app, deploy.version, deploy.runId);
  const images = listing.images.filter((i) => i.name === imageName);
  const mine = new Set([...builders, ...fleet].map((i) => i.id));
  const since = deploy.startedAt - 1_000;
  const runningInvocations = listing.commands
    .filter((c) => Date.parse(c.requestedAt) >= since)
    .flatMap((c) => c.invocations.map((v) => ({ commandId: c.id, instanceId: v.instanceId, status: v.status })))
    .filter((v) => ['Pending', 'InProgress', 'Delayed'].includes(v.status))
    .filter((v) => deploy.procedure === 'mutable' || mine.has(v.instanceId));
  const registrations = listing.targetGroups
    .flatMap((g) => g.registrations)
    .filter((r) => (deploy.procedure === 'mutable' ? r.state === 'draining' : mine.has(r.targetId)));
  return { listing, builders, fleet, images, runningInvocations, registrations };
}

type Predicate = (running: (type: string) => boolean, truth: () => Promise<RunTruth>, deploy: StartedDeploy) => Promise<boolean>;

/**
 * What "the deploy is in phase X" means, precisely: the activity a worker holds (from the
 * workflow's pending activities) and the sandbox's truth that the step's AWS work is under way
 * (the builder exists, the image is pending, the command is running…), so a kill lands mid-step
 * rather than before or after it.
 */
const PREDICATES: Record<CrashPhase, Predicate> = {
  'builder-launching': async (running, truth) => running('launchInstances') && (await truth()).builders.length > 0 && (await truth()).images.length === 0,
  provisioning: async (running, truth) => {
    if (!running('syncCode')) return false;
    const t = await truth();
    const builderIds = new Set(t.builders.map((b) => b.id));
    return t.images.length === 0 && t.runningInvocations.some((v) => builderIds.has(v.instanceId));
  },
  'image-pending': async (running, truth, deploy) =>
    running('bakeAmi') && (await truth()).images.some((i) => i.state === 'pending' && i.tags['hybrid-deploy:run-id'] === deploy.runId && !i.sourceImageId),
  'copy-pending': async (running, truth) => running('copyAmi') && (await truth()).images.some((i) => i.state === 'pending' && !!i.sourceImageId),
  'fleet-launching': async (running, truth) => running('launchInstances') && (await truth()).fleet.some((i) => i.state === 'pending'),
  syncing: async (running, truth) => running('syncCode') && (await truth()).runningInvocations.length > 0,
  'shifting-traffic': async (running, truth) => running('shiftTraffic') && (await truth()).registrations.length > 0,
};

/** What was seen when the phase was reached. */
export interface PhaseHit {
  /** `Date.now()` when the predicate held. */
  at: number;
  /** The activity the kill interrupts, e.g. `bakeAmi (attempt 1)`. */
  activity: string;
  /** The worker holding that activity (its Temporal identity), so a pool's right member is killed. */
  workerIdentity?: string;
}

/**
 * Polls the deploy until it is in `phase` (resolves with what was running) or closes first
 * (resolves undefined: the phase was missed, or the procedure never reaches it).
 */
export async function waitForPhase(client: Client, control: SandboxControl, deploy: StartedDeploy, phase: CrashPhase, timeoutMs = 180_000): Promise<PhaseHit | undefined> {
  const deadline = Date.now() + timeoutMs;
  const activityOf: Record<CrashPhase, string> = {
    'builder-launching': 'launchInstances',
    provisioning: 'syncCode',
    'image-pending': 'bakeAmi',
    'copy-pending': 'copyAmi',
    'fleet-launching': 'launchInstances',
    syncing: 'syncCode',
    'shifting-traffic': 'shiftTraffic',
  };
  while (Date.now() < deadline) {
    const observation = await observe(client, deploy.workflowId);
    if (observation.closed) return undefined;
    const running = (type: string) => observation.activities.some((a) => a.type === type && a.started);
    let cached: Promise<RunTruth> | undefined;
    const truth = () => (cached ??= runTruth(control, deploy));
    if (await PREDICATES[phase](running, truth, deploy)) {
      const activity = observation.activities.find((a) => a.type === activityOf[phase] && a.started)!;
      return { at: Date.now(), activity: `${activity.type} (attempt ${activity.attempt})`, workerIdentity: activity.workerIdentity };
    }
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new Error(`${deploy.procedure} deploy ${deploy.workflowId} never reached ${phase} within ${timeoutMs / 1000}s`);
}
