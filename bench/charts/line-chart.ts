/** A small line chart drawn as SVG text (no browser, no library): categories along x, values up y. */

/** One line of the chart. */
export interface Series {
  name: string;
  color: string;
  /** One value per category; undefined leaves a gap. */
  values: (number | undefined)[];
  dashed?: boolean;
}

/** What to draw. */
export interface LineChart {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  categories: string[];
  series: Series[];
  width?: number;
  height?: number;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A round step for about five gridlines up to `max`. */
function gridStep(max: number): number {
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((step) => step >= raw) ?? raw;
}

/** The chart as an SVG document. */
export function renderLineChart(chart: LineChart): string {
  const width = chart.width ?? 640;
  const height = chart.height ?? 360;
  const left = 64;
  const right = width - 170;
  const top = chart.subtitle ? 60 : 44;
  const bottom = height - 48;
  const max = Math.max(1, ...chart.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined)));
  const step = gridStep(max);
  const yMax = Math.ceil(max / step) * step;
  const x = (i: number) => left + ((right - left) * (chart.categories.length === 1 ? 0.5 : i / (chart.categories.length - 1)));
  const y = (v: number) => bottom - ((bottom - top) * v) / yMax;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="600">${escape(chart.title)}</text>`,
  ];
  if (chart.subtitle) parts.push(`<text x="${left}" y="40" fill="#555">${escape(chart.subtitle)}</text>`);
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    parts.push(`<line x1="${left}" x2="${right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#555">${Number(v.toFixed(2))}</text>`);
  }
  chart.categories.forEach((c, i) => parts.push(`<text x="${x(i).toFixed(1)}" y="${bottom + 18}" text-anchor="middle" fill="#555">${escape(c)}</text>`));
  parts.push(`<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="#999"/>`);
  parts.push(`<text x="${(left + right) / 2}" y="${height - 12}" text-anchor="middle">${escape(chart.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(chart.yLabel)}</text>`);
  chart.series.forEach((series, index) => {
    const points = series.values.map((v, i) => (v === undefined ? undefined : `${x(i).toFixed(1)},${y(v).toFixed(1)}`));
    const runs: string[][] = [[]];
    for (const p of points) {
      if (p) runs[runs.length - 1].push(p);
      else runs.push([]);
    }
    for (const run of runs.filter((r) => r.length > 0)) {
      parts.push(`<polyline fill="none" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''} points="${run.join(' ')}"/>`);
    }
    for (const p of points.filter((q): q is string => q !== undefined)) {
      const [px, py] = p.split(',');
      parts.push(`<circle cx="${px}" cy="${py}" r="3" fill="${series.color}"/>`);
    }
    const ly = top + 8 + index * 20;
    parts.push(`<line x1="${right + 16}" x2="${right + 40}" y1="${ly}" y2="${ly}" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${right + 46}" y="${ly + 4}">${escape(series.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
