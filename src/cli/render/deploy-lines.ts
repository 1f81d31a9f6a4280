import type { DeployResult, DeployStatus, RegionProgress } from '../../workflows/messages';
import { outcomeWords, type Outcome } from '../outcome';
import type { DeployTarget, RunLink } from '../results';

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

/** `phase=copying us-east-1=promoting us-west-2=syncing(2/4)`: what changed is what gets printed. */
export function formatProgress(status: DeployStatus): string {
  const regions = Object.entries(status.regions).map(([region, progress]) => `${region}=${regionPhase(progress)}`);
  return [`phase=${status.phase}`, ...regions].join(' ');
}

function regionPhase(progress: RegionProgress): string {
  return progress.batchesTotal ? `${progress.phase}(${progress.batchesDone ?? 0}/${progress.batchesTotal})` : progress.phase;
}

/**
 * Per-region detail lines for `status`. A running deploy shows its phase; a closed one its
 * outcome (the workflow's last phase is `failed` for a cancellation too: Temporal's execution
 * status says which it was).
 */
export function statusLines(status: DeployStatus, outcome: Outcome): string[] {
  const stage = outcome === 'running' ? `phase ${status.phase}` : outcomeWords(outcome);
  const lines = [`  ${describeTarget(status)}: ${stage}`];
  for (const [region, progress] of Object.entries(status.regions)) {
    const parts = [regionPhase(progress)];
    if (progress.step && outcome === 'running') parts.push(`now: ${progress.step}`);
    if (progress.imageId) parts.push(`image ${progress.imageId}`);
    if (progress.newInstances?.length) parts.push(`new ${progress.newInstances.join(', ')}`);
    if (progress.oldInstances?.length) parts.push(`old ${progress.oldInstances.join(', ')}`);
    if (progress.updated !== undefined) parts.push(`${progress.updated} updated`);
    lines.push(`    ${region}: ${parts.join('; ')}`);
  }
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
