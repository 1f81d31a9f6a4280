import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import type { DeployStatus } from '../workflows/messages';
import { queryStatus } from './deploy-status';

/** How long a child's `status` query may take while following a deploy. */
const CHILD_QUERY_TIMEOUT_MS = 2_000;

/**
 * An activity a running workflow is in, as Temporal's describe reports it: its attempt and what
 * its last heartbeat said (hybrid-deploy's waits heartbeat `{ waiting, progress }`: "image ami-… in
 * us-west-2 to be available", `{ state: "pending" }`).
 */
export interface PendingActivity {
  activityType: string;
  attempt: number;
  /** The region its heartbeat names, when one of the deploy's regions does. */
  region?: string;
  waiting?: string;
  progress?: string;
  /** When its current attempt started (ISO). */
  startedAt?: string;
}

/**
 * The pending activities of a described run, their heartbeat details decoded with the client's
 * data converter (and codec). Details that do not decode are left out: progress is for people,
 * and never fails a command.
 */
export async function pendingActivities(client: Client, description: WorkflowExecutionDescription, regions: string[]): Promise<PendingActivity[]> {
  const pending = description.raw.pendingActivities ?? [];
  return Promise.all(
    pending.map(async (info) => {
      const details = await decodeArrayFromPayloads(client.options.loadedDataConverter, info.heartbeatDetails?.payloads).catch(() => []);
      const { waiting, progress } = (details[0] ?? {}) as { waiting?: unknown; progress?: unknown };
      const started = info.lastStartedTime?.seconds;
      const activity: PendingActivity = { activityType: info.activityType?.name ?? 'activity', attempt: info.attempt ?? 1 };
      if (typeof waiting === 'string') {
        activity.waiting = waiting;
        activity.region = regions.find((region) => waiting.includes(region));
      }
      if (progress !== undefined) activity.progress = progressText(progress);
      if (started) activity.startedAt = new Date(Number(started) * 1000).toISOString();
      return activity;
    }),
  );
}

/**
 * What a run is doing now: its pending activities and, since a mutable deploy does its work in
 * a child workflow per region, each running child's step (from its own `status` query) and its
 * pending activities. Returns the status with the children's steps filled in; the run's own
 * answer is never replaced, and a child that does not answer is skipped.
 */
export async function whatRunsNow(client: Client, description: WorkflowExecutionDescription, status: DeployStatus): Promise<{ status: DeployStatus; pending: PendingActivity[] }> {
  const regions = regionsOf(status);
  const pending = await pendingActivities(client, description, regions);
  const merged: DeployStatus = { ...status, regions: { ...status.regions } };
  for (const child of description.raw.pendingChildren ?? []) {
    if (!child.workflowId || !child.runId) continue;
    const handle = client.workflow.getHandle(child.workflowId, child.runId);
    const answer = await queryStatus(client, handle, CHILD_QUERY_TIMEOUT_MS);
    if (!('status' in answer)) continue;
    for (const [region, progress] of Object.entries(answer.status.regions)) {
      const own = merged.regions[region];
      if (own && !own.step && progress.step) merged.regions[region] = { ...own, step: progress.step, stepStartedAt: progress.stepStartedAt };
    }
    pending.push(...(await pendingActivities(client, await handle.describe(), regions).catch(() => [])));
  }
  return { status: merged, pending };
}

/** The regions of a deploy's status, for matching heartbeats to them. */
export function regionsOf(status: DeployStatus | undefined): string[] {
  return status ? Object.keys(status.regions) : [];
}

/** `pending`, `2/4 pending`, `1/2 running, 1 pending`, `i-1: draining`: a heartbeat's progress in a few words. */
export function progressText(progress: unknown): string {
  if (progress === null || progress === undefined) return '';
  if (typeof progress !== 'object') return String(progress);
  if (Array.isArray(progress)) return clip(progress.map(String).join(', '));
  const entries = Object.entries(progress as Record<string, unknown>);
  if (entries.length === 1 && entries[0][0] === 'state') return String(entries[0][1]);
  const record = progress as Record<string, unknown>;
  if (typeof record.pending === 'number' && typeof record.total === 'number') return `${record.pending}/${record.total} pending`;
  // A launch's wait: `1/2 running, 1 pending`.
  if (typeof record.running === 'number' && typeof record.of === 'number') {
    const others = entries.filter(([key]) => key !== 'running' && key !== 'of').map(([key, value]) => `${String(value)} ${key}`);
    return clip([`${record.running}/${record.of} running`, ...others].join(', '));
  }
  return clip(entries.map(([key, value]) => `${key} ${Array.isArray(value) ? value.join(', ') || 'none' : String(value)}`).join(', '));
}

function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
