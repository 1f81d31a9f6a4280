import { approveCommand, describeWaiting, type ReusableImage } from '../../contracts';
import type { ApprovalStatus, DeployStatus, RegionProgress } from '../messages';

/**
 * The deploy's progress as the Web UI's "current details" show it (Markdown): the deploy's phase,
 * then one row per region with its phase, the step running now, how long it has run, and the
 * instances in play. Rendered from the same status the `status` query serves, at workflow time.
 */
export function renderCurrentDetails(status: DeployStatus, now: number): string {
  const head = `**${status.procedure}** ${status.app} **${status.version}** → **${status.env}** · phase **${status.phase}**${since(status.phaseStartedAt, now)}`;
  const regions = Object.entries(status.regions);
  const lines = [head];
  if (regions.length > 0) {
    lines.push('', '| region | phase | step | elapsed | instances |', '|---|---|---|---|---|');
    for (const [region, progress] of regions) lines.push(row(region, progress, now));
  }
  if (status.reusedImage) lines.push('', reusedLine(status.reusedImage));
  if (status.bakeKeyUnknown) lines.push('', `**baked again:** ${cell(status.bakeKeyUnknown)}`);
  if (status.approval) lines.push('', ...approvalLines(status, status.approval));
  if (status.error) lines.push('', `**error:** ${cell(status.error)}`);
  if (status.compensation) lines.push('', '**compensation:**', ...status.compensation.map((step) => `- ${cell(step)}`));
  return lines.join('\n');
}

/** The approval gate: what waits and until when, or who decided what and when. */
function approvalLines(status: DeployStatus, approval: ApprovalStatus): string[] {
  const { decision } = approval;
  if (approval.state === 'waiting') {
    return [
      `**waiting for approval** until ${approval.deadline}: ${cell(describeWaiting(approval.waiting))}`,
      `approve: \`${approveCommand(status.app, status.env)}\` · reject: \`${approveCommand(status.app, status.env)} --reject --reason "…"\``,
    ];
  }
  if (approval.state === 'timed-out') return [`**approval timed out** at ${approval.deadline}: nobody decided`];
  return [`**${approval.state}** by ${cell(decision?.by ?? '?')} at ${decision?.at ?? '?'}${decision?.reason ? `: ${cell(decision.reason)}` : ''}`];
}

function row(region: string, progress: RegionProgress, now: number): string {
  const phase = progress.batchesTotal ? `${progress.phase} (${progress.batchesDone ?? 0}/${progress.batchesTotal} batches)` : progress.phase;
  const instances = [
    progress.imageId && `image ${progress.imageId}`,
    progress.newInstances?.length && `new ${progress.newInstances.join(', ')}`,
    progress.oldInstances?.length && `old ${progress.oldInstances.join(', ')}`,
  ].filter(Boolean);
  const elapsed = progress.step ? elapsedSince(progress.stepStartedAt, now) : elapsedSince(progress.phaseStartedAt, now);
  return `| ${region} | ${phase} | ${cell(progress.step ?? '')} | ${elapsed} | ${cell(instances.join(' · '))} |`;
}

/** Why no bake ran: the image reused, when and by whom it was baked. */
export function reusedLine(image: ReusableImage): string {
  return `**no bake:** reused ${image.imageId} (${image.region}) baked on ${image.bakedAt} by ${cell(image.bakedBy)}, from the same base image, bake section and artifact`;
}

/** `4m12s` since an ISO time, or empty. */
export function elapsedSince(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

function since(iso: string | undefined, now: number): string {
  const elapsed = elapsedSince(iso, now);
  return elapsed ? ` for ${elapsed}` : '';
}

/** Table cells hold one line and no pipe. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ').slice(0, 300);
}
