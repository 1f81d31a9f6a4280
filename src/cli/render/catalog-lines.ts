import type { CatalogEntry, ReapedResource } from '../../contracts';
import type { HousekeepingReport } from '../../workflows/housekeeping';
import type { HousekeepingFinished, HousekeepingScheduled, ImagesListed } from '../results';

/** `images`: one block per region, one line per image, newest first, then what the policy keeps and would free. */
export function imagesLines(result: ImagesListed): string[] {
  const { report, policy } = result;
  const lines = [`${result.app}: images per region (retention: keep the newest ${policy.keep} and those younger than ${policy.minAgeDays} days; never the newest or one in use)`];
  for (const region of report.regions) {
    lines.push(`${region.region}: ${region.images.length} image${region.images.length === 1 ? '' : 's'}, ${gib(region.keptGiB)} kept, ${gib(region.freedGiB)} would be freed`);
    for (const image of newestFirst(region.images)) lines.push(`  ${imageLine(image)}`);
  }
  lines.push(`total: ${gib(report.keptGiB)} of snapshots kept, ${gib(report.freedGiB)} would be freed by housekeeping`);
  return lines;
}

/** `housekeeping`: what went (or would go) and why, then the storage kept and freed. */
export function housekeepingLines(result: HousekeepingFinished): string[] {
  // A failure is told on stderr; stdout has no report to show.
  if (!result.report) return [];
  const report: HousekeepingReport = result.report;
  const verb = report.dryRun ? 'would remove' : 'removed';
  const removed = report.regions.flatMap((r) => r.images.filter((i) => i.decision.action === 'remove'));
  const lines = [
    ...removed.map((i) => `${verb} image ${i.imageId} in ${i.region} (${i.version}, ${i.ageDays} days, ${gib(i.sizeGiB)}): ${i.decision.reason}`),
    ...report.reaped.map((r: ReapedResource) => `${verb} ${r.kind} ${r.id} in ${r.region}${r.name ? ` (${r.name})` : ''}: ${r.reason}`),
  ];
  if (lines.length === 0) lines.push(`nothing to remove (as of ${report.now})`);
  const kept = report.regions.reduce((n, r) => n + r.images.filter((i) => i.decision.action === 'keep').length, 0);
  lines.push(`${kept} image${kept === 1 ? '' : 's'} kept (${gib(report.keptGiB)} of snapshots); ${gib(report.freedGiB)} ${report.dryRun ? 'would be' : ''} freed`.replace(/\s+/g, ' '));
  lines.push(`  ui: ${result.uiUrl}`);
  return lines;
}

/** `housekeeping --schedule`. */
export function housekeepingScheduledLines(result: HousekeepingScheduled): string[] {
  return [
    `${result.created ? 'created' : 'updated'} schedule ${result.scheduleId}: housekeeping of ${result.app}${result.dryRun ? ' (dry run)' : ''} at "${result.cron}" (${result.timezone})`,
    `  note:      ${result.note}`,
    `  next runs: ${result.nextRuns.join(', ')}`,
    `  ui:        ${result.uiUrl}`,
  ];
}

function imageLine(image: CatalogEntry): string {
  const key = image.bakeKey ? `key ${image.bakeKey.slice(0, 12)}` : 'no bake key';
  const state = image.state === 'available' ? '' : ` [${image.state}]`;
  return `${image.imageId}${state}  ${image.version}  baked ${image.bakedAt} (${image.ageDays} d)  ${gib(image.sizeGiB)}  ${key}  ${image.decision.action}: ${image.decision.reason}`;
}

function newestFirst(images: CatalogEntry[]): CatalogEntry[] {
  return [...images].sort((a, b) => b.bakedAt.localeCompare(a.bakedAt));
}

function gib(value: number): string {
  return `${Math.round(value * 10) / 10} GiB`;
}
