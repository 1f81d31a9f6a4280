import { renderMarkdown } from './markdown';
import { renderSvg } from './svg';
import { formatDuration, type Timeline } from './timeline';

/** The timeline as one self-contained HTML page: the SVG chart, then every step as a table. */
export function renderHtml(timeline: Timeline): string {
  const rows = timeline.bars
    .map(
      (bar) =>
        `<tr${bar.critical ? ' class="critical"' : ''}><td>${escape(bar.lane)}</td><td>${escape(bar.label)}</td><td>+${formatDuration(bar.scheduledMs - timeline.startMs)}</td>` +
        `<td>${formatDuration(bar.endMs - bar.scheduledMs)}</td><td>${bar.attempts}</td><td>${escape(bar.failure ? `${bar.outcome}: ${bar.failure}` : bar.outcome)}</td></tr>`,
    )
    .join('\n');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escape(timeline.title)}: where the time went</title>`,
    '<style>body{font-family:system-ui,sans-serif;margin:24px;color:#111}table{border-collapse:collapse;margin-top:16px}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left;font-size:13px}tr.critical td{color:#b42318;font-weight:600}</style>',
    '</head><body>',
    `<h1>${escape(timeline.title)}</h1>`,
    `<p>${escape(renderMarkdown(timeline).split('\n')[0].replace(/\*\*/g, ''))}</p>`,
    renderSvg(timeline),
    '<table><thead><tr><th>region</th><th>step</th><th>starts at</th><th>took</th><th>attempts</th><th>result</th></tr></thead><tbody>',
    rows,
    '</tbody></table>',
    '</body></html>',
    '',
  ].join('\n');
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
