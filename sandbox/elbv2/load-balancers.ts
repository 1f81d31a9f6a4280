/** Runs, for every configured target group, its proxy and its health-check loop. */
import type { SandboxState } from '../state/sandbox-state';
import { startProxy, type TargetGroupProxy } from './proxy';
import { checkGroup, groupTimings } from './target-health';

/** The running load balancers of one sandbox. */
export class LoadBalancers {
  private readonly proxies: TargetGroupProxy[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly state: SandboxState) {}

  /** Starts a proxy per attached target group and the health checks; fills each group's `proxyUrl`. */
  async start(): Promise<void> {
    for (const group of this.state.targetGroups.listAll()) {
      // A target group attached to no load balancer has no listener: nothing to proxy.
      if (!group.config.loadBalancerArn) continue;
      const proxy = await startProxy(this.state, group);
      group.proxyUrl = proxy.url;
      this.proxies.push(proxy);
      this.loop(() => checkGroup(this.state, group), () => groupTimings(this.state, group).intervalMs);
    }
  }

  /** Region → target group name → proxy URL (the "load balancer URL"). */
  urls(): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const g of this.state.targetGroups.listAll()) {
      if (g.proxyUrl) (out[g.region] ??= {})[g.config.name] = g.proxyUrl;
    }
    return out;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.proxies.map((p) => p.close()));
  }

  /** A timeout chain rather than setInterval, so a slow round never overlaps the next. */
  private loop(round: () => Promise<void>, intervalMs: () => number): void {
    const tick = (): void => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (this.stopped) return;
        round()
          .catch((err: unknown) => this.state.logger.error({ err }, 'health check round failed'))
          .finally(() => {
            if (!this.stopped) tick();
          });
      }, intervalMs());
      this.timers.add(timer);
    };
    tick();
  }
}
