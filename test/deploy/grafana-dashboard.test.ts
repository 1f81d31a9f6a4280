import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dashboardQueries, readDashboard } from '../helpers/grafana-dashboard';

const SRC = join(__dirname, '..', '..', 'src');

/** Every `.ts` file under a directory. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The series names the product's own metrics expose: a counter's name; a histogram's `_bucket`, `_sum` and `_count`. */
function declaredSeries(): Map<string, string> {
  const series = new Map<string, string>();
  for (const file of sources(SRC)) {
    for (const [, kind, name] of readFileSync(file, 'utf8').matchAll(/create(Counter|Histogram|Gauge)\(\s*'(hybrid_deploy_[a-z0-9_]+)'/g)) {
      if (kind === 'Histogram') for (const suffix of ['_bucket', '_sum', '_count']) series.set(`${name}${suffix}`, name);
      else series.set(name, name);
    }
  }
  return series;
}

/**
 * The Grafana dashboard in deploy/grafana: valid JSON Grafana imports, every panel querying the
 * Prometheus data source the importer picks, and only metrics the product declares (which the
 * worker-telemetry e2e test finds in a real scrape, with the labels used here).
 */
describe('the Grafana dashboard', () => {
  const dashboard = readDashboard();
  const panels: any[] = dashboard.panels;

  it('is a dashboard Grafana imports: a uid, a title, panels with unique ids laid out on its 24-column grid', () => {
    expect(dashboard).toMatchObject({ uid: 'hybrid-deploy', title: 'hybrid-deploy', schemaVersion: expect.any(Number) });
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const panel of panels) {
      expect({ title: panel.title, fits: panel.gridPos.x >= 0 && panel.gridPos.x + panel.gridPos.w <= 24 && panel.gridPos.h > 0 }).toEqual({ title: panel.title, fits: true });
    }
    expect(dashboard.templating.list[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
  });

  it('queries the chosen Prometheus in every panel, with a PromQL expression and a legend', () => {
    for (const panel of panels.filter((p) => p.type !== 'row')) {
      expect({ title: panel.title, datasource: panel.datasource.uid, targets: panel.targets.length > 0 }).toEqual({ title: panel.title, datasource: '${datasource}', targets: true });
      for (const target of panel.targets) expect({ title: panel.title, expr: typeof target.expr, legend: typeof target.legendFormat }).toEqual({ title: panel.title, expr: 'string', legend: 'string' });
    }
  });

  it("reads only the product's declared metrics, and every one of them", () => {
    const declared = declaredSeries();
    expect(declared.size).toBeGreaterThan(0);
    const used = dashboardQueries().flatMap((q) => q.metrics.filter((m) => m.startsWith('hybrid_deploy_')).map((metric) => ({ panel: q.panel, metric })));
    expect(used.filter((u) => !declared.has(u.metric))).toEqual([]);
    const families = new Set(used.map((u) => declared.get(u.metric)));
    expect([...new Set(declared.values())].filter((name) => !families.has(name))).toEqual([]);
  });

  it('reads the SDK metrics under the prefix the worker exports them with', () => {
    const sdk = dashboardQueries().flatMap((q) => q.metrics.filter((m) => !m.startsWith('hybrid_deploy_')));
    expect(sdk.length).toBeGreaterThan(0);
    expect(sdk.filter((m) => !m.startsWith('temporal_'))).toEqual([]);
  });
});
