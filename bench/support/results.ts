/** Bench results as JSON files beside the benches (bench/results/), which the README's charts are drawn from. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root';

/** Where results live in the checkout (not dist/): they are committed with the charts drawn from them. */
export const RESULTS_DIR = join(packageRoot(), 'bench', 'results');

/** Writes `bench/results/<name>.json` with when and on what load it was measured. */
export function saveResults(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/** Reads `bench/results/<name>.json`. */
export function loadResults<T>(name: string): T {
  return JSON.parse(readFileSync(join(RESULTS_DIR, `${name}.json`), 'utf8')) as T;
}

/** A Markdown table of rows (first column left-aligned, the rest right-aligned). */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const cells = rows.map((row) => row.map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) => '| ' + row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (i === 0 ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [line(header), rule, ...cells.map(line)].join('\n');
}
