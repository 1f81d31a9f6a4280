import { criticalMs, formatDuration, type Timeline, type TimelineBar } from './timeline';

/** The chart's geometry: labels on the left, the time axis across the plot. */
export const SVG_LAYOUT = { width: 1200, plotLeft: 480, plotRight: 1130, top: 84, laneHeading: 24, row: 20, barHeight: 12 } as const;

const TICK_STEPS_MS = [100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000];
const LABEL_CHARS = 60;

/**
 * The timeline as an SVG Gantt chart, written as text: a row per activity (and child workflow)
 * grouped by region, its bar from when its last attempt started to when it closed, the time it
 * waited before (queued, or retrying: `×3` says how many attempts) drawn lighter; the critical
 * path in red; the total and the critical path's length on top. Every bar carries its times as
 * `data-start-ms`/`data-end-ms`, and the chart its origin and scale, so tools can read it back.
 */
export function renderSvg(timeline: Timeline): string {
  const { width, plotLeft, plotRight, top, laneHeading, row, barHeight } = SVG_LAYOUT;
  const spanMs = Math.max(1, timeline.endMs - timeline.startMs);
  const pxPerMs = (plotRight - plotLeft) / spanMs;
  const x = (ms: number) => round(plotLeft + (ms - timeline.startMs) * pxPerMs);
  const body: string[] = [];
  let y = top;
  for (const lane of timeline.lanes) {
    body.push(`<text class="lane" x="12" y="${y + 16}">${escape(lane)}</text>`, `<line class="lane-rule" x1="12" x2="${plotRight}" y1="${y + 21}" y2="${y + 21}"/>`);
    y += laneHeading;
    for (const bar of timeline.bars.filter((b) => b.lane === lane)) {
      body.push(...barElements(bar, y, x, barHeight));
      y += row;
    }
  }
  const height = y + 44;
  const header = [
    `<text class="title" x="12" y="26">${escape(timeline.title)}</text>`,
    `<text class="subtitle" x="12" y="48">${escape(subtitle(timeline))}</text>`,
    ...axis(timeline, x, spanMs, top, y),
    ...legend(height - 16),
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12"`,
    `  data-workflow-id="${escape(timeline.workflowId)}" data-run-id="${escape(timeline.runId)}" data-start-ms="${timeline.startMs}" data-end-ms="${timeline.endMs}" data-plot-left="${plotLeft}" data-plot-right="${plotRight}">`,
    `<style>${STYLE}</style>`,
    `<rect class="background" width="${width}" height="${height}"/>`,
    ...header,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function barElements(bar: TimelineBar, y: number, x: (ms: number) => number, barHeight: number): string[] {
  const classes = ['bar', bar.kind, bar.outcome, ...(bar.critical ? ['critical'] : [])].join(' ');
  const runFrom = bar.startedMs ?? bar.scheduledMs;
  const tooltip = `${bar.label} (${bar.type}) · ${formatDuration(bar.endMs - bar.scheduledMs)}${bar.attempts > 1 ? ` · ${bar.attempts} attempts` : ''} · ${bar.outcome}${bar.failure ? `: ${bar.failure}` : ''}`;
  const label = bar.label.length > LABEL_CHARS ? `${bar.label.slice(0, LABEL_CHARS - 1)}…` : bar.label;
  const barY = y + (20 - barHeight) / 2 - 2;
  const elements = [`<text class="label${bar.critical ? ' critical' : ''}" x="24" y="${y + 12}">${escape(label)}<title>${escape(tooltip)}</title></text>`];
  if (bar.startedMs !== undefined && bar.startedMs > bar.scheduledMs) {
    elements.push(`<rect class="wait" x="${x(bar.scheduledMs)}" y="${barY}" width="${round(x(bar.startedMs) - x(bar.scheduledMs))}" height="${barHeight}" data-bar-id="${escape(bar.id)}" data-start-ms="${bar.scheduledMs}" data-end-ms="${bar.startedMs}"/>`);
  }
  elements.push(
    `<rect class="${classes}" x="${x(runFrom)}" y="${barY}" width="${Math.max(1, round(x(bar.endMs) - x(runFrom)))}" height="${barHeight}" rx="2" data-bar-id="${escape(bar.id)}" data-start-ms="${runFrom}" data-end-ms="${bar.endMs}"><title>${escape(tooltip)}</title></rect>`,
  );
  const note = [formatDuration(bar.endMs - bar.scheduledMs), ...(bar.attempts > 1 ? [`×${bar.attempts}`] : []), ...(bar.outcome !== 'completed' ? [bar.outcome] : [])].join(' ');
  elements.push(`<text class="note" x="${x(bar.endMs) + 4}" y="${y + 12}">${escape(note)}</text>`);
  return elements;
}

function subtitle(timeline: Timeline): string {
  const critical = timeline.bars.filter((bar) => bar.critical);
  return `total ${formatDuration(timeline.endMs - timeline.startMs)} · ${timeline.status} · critical path ${formatDuration(criticalMs(timeline))} over ${critical.length} step${critical.length === 1 ? '' : 's'} · ${timeline.workflowId} ${timeline.runId}`;
}

function axis(timeline: Timeline, x: (ms: number) => number, spanMs: number, top: number, bottom: number): string[] {
  const step = TICK_STEPS_MS.find((candidate) => spanMs / candidate <= 10) ?? TICK_STEPS_MS[TICK_STEPS_MS.length - 1];
  const ticks: string[] = [];
  for (let offset = 0; offset <= spanMs; offset += step) {
    const at = x(timeline.startMs + offset);
    ticks.push(`<line class="tick" x1="${at}" x2="${at}" y1="${top - 8}" y2="${bottom}"/>`, `<text class="tick-label" x="${at}" y="${top - 12}">${tickLabel(offset)}</text>`);
  }
  return ticks;
}

/** `0s`, `15s`, `1m30s`, `2h00m`: ticks fall on round values, so no decimals. */
function tickLabel(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10}s`;
  return formatDuration(ms);
}

function legend(y: number): string[] {
  const items: [string, string][] = [['bar completed', 'completed'], ['bar completed critical', 'critical path'], ['bar failed', 'failed'], ['wait', 'queued or retrying'], ['bar child', 'child workflow']];
  return items.flatMap(([cls, text], i) => [`<rect class="${cls}" x="${12 + i * 150}" y="${y - 10}" width="18" height="10" rx="2"/>`, `<text class="legend" x="${36 + i * 150}" y="${y}">${text}</text>`]);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const STYLE = [
  '.background{fill:#fff}',
  '.title{font-size:16px;font-weight:600;fill:#111}',
  '.subtitle,.legend,.note,.tick-label{fill:#555}',
  '.tick-label{text-anchor:middle;font-size:10px}',
  '.tick{stroke:#e5e5e5}',
  '.lane{font-weight:600;fill:#111}',
  '.lane-rule{stroke:#ccc}',
  '.label{fill:#222}',
  '.label.critical{font-weight:600;fill:#b42318}',
  '.bar{fill:#4c7bd9}',
  '.bar.child{fill:none;stroke:#7a5cc2;stroke-width:1.5}',
  '.bar.critical{fill:#d92d20}',
  '.bar.failed,.bar.timed-out{fill:#f79009}',
  '.bar.cancelled,.bar.terminated{fill:#98a2b3}',
  '.bar.running{fill:#4c7bd9;opacity:.6}',
  '.wait{fill:#c7d7f5}',
].join('');
