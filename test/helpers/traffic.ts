/** What a client polling a load balancer saw. */
export interface TrafficReport {
  requests: number;
  failures: number;
  /** Responses per version served. */
  versions: Record<string, number>;
  /** The first few failures, for the test's message. */
  samples: string[];
}

/**
 * Polls a load balancer's URL throughout a deploy, as a user's client would, and counts every
 * failed request (non-2xx, connection error, timeout). Bounded: it stops by itself after
 * `maxSeconds` even if `stop()` is never called.
 */
export function pollTraffic(url: string, options: { intervalMs?: number; maxSeconds?: number } = {}): { stop(): Promise<TrafficReport> } {
  const report: TrafficReport = { requests: 0, failures: 0, versions: {}, samples: [] };
  const deadline = Date.now() + (options.maxSeconds ?? 600) * 1000;
  let stopped = false;
  const loop = (async () => {
    while (!stopped && Date.now() < deadline) {
      report.requests++;
      try {
        const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) });
        const body = await response.text();
        if (!response.ok) throw new Error(`HTTP ${response.status}: ${body.slice(0, 100)}`);
        const version = (JSON.parse(body) as { version: string }).version;
        report.versions[version] = (report.versions[version] ?? 0) + 1;
      } catch (error) {
        report.failures++;
        if (report.samples.length < 5) report.samples.push((error as Error).message);
      }
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 25));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return report;
    },
  };
}
