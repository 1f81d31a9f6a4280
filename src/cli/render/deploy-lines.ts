import type { DeployResult, DeployStatus, RegionProgress } from '../../workflows/messages';
import { outcomeWords } from '../outcome';
import { approvalStatusLines, notificationFailureLines } from './operations-lines';
import type { PendingActivity } from '../pending-activities';
import type { DeployTarget, RunLink, RunState } from '../results';
import { formatDuration } from '../timeline/timeline';

/** `immutable deploy of shop 1.4.2 to prod`, or `bake of shop 1.4.2 for prod`. */
export function describeTarget(target: DeployTarget): string {
  return target.procedure === 'bake'
    ? `bake of ${target.app} ${target.version} for ${target.env}`
    : `${target.procedure} deploy of ${target.app} ${target.version} to ${target.env}`;
}

/** What was started and where to follow it. */
export function startedLines(target: DeployTarget, link: RunLink): string[] {
  return [`started ${describeTarget(target)}`, `  workflow: ${link.workflowId}`, `  run:      ${link.runId}`, `  ui:       ${link.uiUrl}`];
}

/** `phase copying · 4m12s`: the whole run, with how long it has been going. */
export function phaseLine(status: DeployStatus, nowMs: number): string {
  const since = status.startedAt ? ` · ${formatDuration(nowMs - Date.parse(status.startedAt))}` : '';
  return `phase ${status.phase}${status.phaseStartedAt ? ` (for ${formatDuration(nowMs - Date.parse(status.phaseStartedAt))})` : ''}${since}`;
}

/**
 * One region now: `us-west-2: copying · copy ami-1 us-east-1 → us-west-2 · waiting for image
 * ami-2 to be available (pending) · 4m12s`. The step is the running activity's summary (from the
 * `status` query); what it waits for comes from its heartbeat; the time runs from when the step
 * (else the phase) started.
 */
export function regionLine(region: string, progress: RegionProgress, pending: PendingActivity | undefined, nowMs: number): string {
  const parts = [`${region}: ${regionPhase(progress)}`];
  if (progress.step) parts.push(progress.step);
  if (pending?.waiting) {
    const waiting = pending.waiting.replace(` in ${region}`, '');
    parts.push(`waiting for ${waiting}${pending.progress ? ` (${pending.progress})` : ''}`);
  }
  if (pending && pending.attempt > 1) parts.push(`attempt ${pending.attempt}`);
  const since = progress.step ? progress.stepStartedAt : progress.phaseStartedAt;
  if (since && !isSettled(progress)) parts.push(formatDuration(nowMs - Date.parse(since)));
  return parts.join(' · ');
}

/** The pending activity a region is in: the one whose heartbeat names it, or the only one there is when one region is busy. */
export function pendingOf(region: string, status: DeployStatus, pending: PendingActivity[] = []): PendingActivity | undefined {
  const named = pending.find((activity) => activity.region === region);
  if (named) return named;
  const busy = Object.entries(status.regions).filter(([, progress]) => progress.step);
  const unnamed = pending.filter((activity) => !activity.region);
  return busy.length === 1 && busy[0][0] === region && unnamed.length === 1 ? unnamed[0] : undefined;
}

/** What changed is what gets printed: the phase and each region's phase, step and wait. */
export function progressKey(status: DeployStatus, pending: PendingActivity[] = []): string {
  const regions = Object.entries(status.regions).map(([region, progress]) => {
    const wait = pendingOf(region, status, pending);
    return `${region}=${regionPhase(progress)}|${progress.step ?? ''}|${wait?.waiting ?? ''}|${wait?.progress ?? ''}|${wait?.attempt ?? ''}`;
  });
  return [status.phase, ...regions].join(' ');
}

function regionPhase(progress: RegionProgress): string {
  return progress.batchesTotal ? `${progress.phase} (${progress.batchesDone ?? 0}/${progress.batchesTotal})` : progress.phase;
}

function isSettled(progress: RegionProgress): boolean {
  return ['done', 'failed', 'cancelled'].includes(progress.phase);
}

/** Per-region detail lines for `status`: a running run shows what each region does now; a closed one its outcome. */
export function statusLines(state: RunState): string[] {
  const { status, outcome } = state;
  if (!status) return [`  ${state.statusError}`];
  const nowMs = Date.parse(state.execution.closeTime ?? state.asOf);
  const stage = outcome === 'running' ? phaseLine(status, nowMs) : `${outcomeWords(outcome)}${status.startedAt ? ` after ${formatDuration(nowMs - Date.parse(status.startedAt))}` : ''}`;
  const lines = [`  ${describeTarget(status)}: ${stage}`];
  if (status.releaseFoundIn) lines.push(`  release: ${status.version}, found in ${status.releaseFoundIn}`);
  for (const [region, progress] of Object.entries(status.regions)) {
    const now = outcome === 'running' ? regionLine(region, progress, pendingOf(region, status, state.pending), nowMs) : `${region}: ${regionPhase(progress)}`;
    lines.push(`    ${now}`);
    const held = [
      progress.imageId && `image ${progress.imageId}`,
      progress.newInstances?.length && `new ${progress.newInstances.join(', ')}`,
      progress.oldInstances?.length && `old ${progress.oldInstances.join(', ')}`,
      progress.updated !== undefined && `${progress.updated} updated`,
    ].filter(Boolean);
    if (held.length) lines.push(`      ${held.join('; ')}`);
  }
  lines.push(...approvalStatusLines(status), ...notificationFailureLines(status));
  if (status.error && outcome !== 'cancelled') lines.push(`  error: ${status.error}`);
  if (status.compensation) lines.push(...compensationLines(status.compensation));
  return lines;
}

/** The success summary: per region, the image and the instances now serving. */
export function resultLines(result: DeployResult, seconds: number): string[] {
  const headline =
    result.procedure === 'bake'
      ? `baked ${result.app} ${result.version} for ${result.env} in ${seconds}s`
      : `deployed ${result.app} ${result.version} to ${result.env} (${result.procedure}) in ${seconds}s`;
  const lines = [headline];
  const reused = result.reusedImage;
  if (reused) lines.push(`  no bake: reused ${reused.imageId} (${reused.region}) baked on ${reused.bakedAt} by ${reused.bakedBy} from the same inputs (--force-bake bakes anyway)`);
  for (const region of result.regions) {
    const parts = [];
    if (region.imageId) parts.push(`image ${region.imageId}`);
    parts.push(`instances ${region.instanceIds.join(', ') || '(none)'}`);
    if (region.retiredInstanceIds.length) parts.push(`retired ${region.retiredInstanceIds.join(', ')}`);
    lines.push(`  ${region.region}: ${parts.join('; ')}`);
  }
  return lines;
}

/** The compensation report, one undo step a line. */
export function compensationLines(report: string[]): string[] {
  if (report.length === 0) return ['  compensation: nothing to undo'];
  return ['  compensation:', ...report.map((line) => `    - ${line}`)];
}
