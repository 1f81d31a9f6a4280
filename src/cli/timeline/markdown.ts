import { criticalMs, formatDuration, type Timeline } from './timeline';

/**
 * The timeline as a Markdown table (for a CI job summary, a pull request, a chat): one row per
 * activity and child workflow, by region, with when it started (after the run's start), how long
 * it took, its attempts and outcome; the critical path in bold (★).
 */
export function renderMarkdown(timeline: Timeline): string {
  const critical = timeline.bars.filter((bar) => bar.critical);
  const lines = [
    `**${cell(timeline.title)}**: total **${formatDuration(timeline.endMs - timeline.startMs)}** (${timeline.status}); critical path ${formatDuration(criticalMs(timeline))} over ${critical.length} step${critical.length === 1 ? '' : 's'} (★)`,
    '',
    '| region | step | starts at | took | attempts | result |',
    '|---|---|---:|---:|---:|---|',
  ];
  for (const lane of timeline.lanes) {
    for (const bar of timeline.bars.filter((b) => b.lane === lane)) {
      const step = bar.critical ? `★ **${cell(bar.label)}**` : cell(bar.label);
      const result = bar.failure ? `${bar.outcome}: ${cell(bar.failure)}` : bar.outcome;
      lines.push(`| ${lane} | ${step} | +${formatDuration(bar.scheduledMs - timeline.startMs)} | ${formatDuration(bar.endMs - bar.scheduledMs)} | ${bar.attempts} | ${result} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A table cell: one line, no pipe. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}
