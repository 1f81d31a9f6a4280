import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Grafana dashboard the project ships. */
export const DASHBOARD_FILE = join(__dirname, '..', '..', 'deploy', 'grafana', 'hybrid-deploy.json');

/** Labels Prometheus adds to every series when it scrapes a target (not in the worker's exposition). */
const TARGET_LABELS = new Set(['instance', 'job']);

/** One query of the dashboard: which panel (or variable), its PromQL, the metrics it reads and the labels it groups or filters by. */
export interface DashboardQuery {
  panel: string;
  expr: string;
  metrics: string[];
  labels: string[];
}

/** The dashboard, parsed. */
export function readDashboard(): any {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8'));
}

/** Every PromQL query of the dashboard: its panels' targets and its variables' `label_values(…)`. */
export function dashboardQueries(dashboard = readDashboard()): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const panel of dashboard.panels ?? []) {
    for (const target of panel.targets ?? []) queries.push(analyse(`panel "${panel.title}"`, target.expr));
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type === 'query') queries.push(analyse(`variable $${variable.name}`, variable.query.query));
  }
  return queries;
}

function analyse(panel: string, expr: string): DashboardQuery {
  const metrics = [...new Set(expr.match(/\b(?:hybrid_deploy|temporal)_[a-z0-9_]+\b/g) ?? [])];
  const labels = new Set<string>();
  for (const [, list] of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) list.split(',').forEach((l) => labels.add(l.trim()));
  for (const [, selector] of expr.matchAll(/\{([^}]*)\}/g)) {
    for (const [, key] of selector.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) labels.add(key);
  }
  const labelValues = /^label_values\(\s*[a-z0-9_]+\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/.exec(expr.trim());
  if (labelValues) labels.add(labelValues[1]);
  return { panel, expr, metrics, labels: [...labels].filter((l) => l !== '' && !TARGET_LABELS.has(l)) };
}
