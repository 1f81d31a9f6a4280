/** Small measuring tools the benches share: process memory, percentiles, history counts, the load. */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const HEARTBEAT = temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT;
/** A failure that is (or was caused by) a heartbeat timeout. */
function isHeartbeatTimeout(failure: temporal.api.failure.v1.IFailure | null | undefined): boolean {
  for (let f = failure; f; f = f.cause) if (f.timeoutFailureInfo?.timeoutType === HEARTBEAT) return true;
  return false;
}

/** Resident set size of a process in MB (from /proc), or undefined once it is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples the RSS of some processes every `everyMs` until stopped; `stop()` gives each one's peak (MB). */
export function samplePeakRss(pids: number[], everyMs = 500): { stop(): number[] } {
  const peaks = pids.map(() => 0);
  const sample = () => pids.forEach((pid, i) => (peaks[i] = Math.max(peaks[i], rssMb(pid) ?? 0)));
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}

/** The p-th percentile (0–100) of some numbers, nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The machine's 1-minute load average, printed beside every figure (the machine is shared). */
export function load1(): number {
  return Number(loadavg()[0].toFixed(2));
}

/** What a run's history says about how its activities went. */
export interface HistoryCounts {
  events: number;
  /** Attempts that failed with an AWS throttling error (a throttle that got past the SDK's retries). */
  throttlesSurfaced: number;
  /** Attempts timed out on their heartbeat. */
  heartbeatTimeouts: number;
  /** Attempts beyond the first, for any reason. */
  retries: number;
}

const THROTTLING = new Set(['RequestLimitExceeded', 'ThrottlingException', 'Throttling']);

/** Reads a run's history (and, with `children`, its child workflows' runs) and counts what went wrong. */
export async function historyCounts(client: Client, workflowId: string, runId?: string): Promise<HistoryCounts> {
  const counts: HistoryCounts = { events: 0, throttlesSurfaced: 0, heartbeatTimeouts: 0, retries: 0 };
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  for (const event of history.events ?? []) {
    counts.events += 1;
    const failed = event.activityTaskFailedEventAttributes?.failure;
    if (failed && THROTTLING.has(failed.applicationFailureInfo?.type ?? '')) counts.throttlesSurfaced += 1;
    const timedOut = event.activityTaskTimedOutEventAttributes?.failure;
    if (isHeartbeatTimeout(timedOut)) counts.heartbeatTimeouts += 1;
    const attempt = event.activityTaskStartedEventAttributes?.attempt ?? 1;
    if (attempt > 1) counts.retries += attempt - 1;
    // A retried activity's earlier failures are not events: they show as its started event's attempt and last failure.
    const lastFailure = event.activityTaskStartedEventAttributes?.lastFailure;
    if (lastFailure && THROTTLING.has(lastFailure.applicationFailureInfo?.type ?? '')) counts.throttlesSurfaced += 1;
    if (isHeartbeatTimeout(lastFailure)) counts.heartbeatTimeouts += 1;
  }
  return counts;
}

/** Adds history counts up. */
export function addCounts(a: HistoryCounts, b: HistoryCounts): HistoryCounts {
  return { events: a.events + b.events, throttlesSurfaced: a.throttlesSurfaced + b.throttlesSurfaced, heartbeatTimeouts: a.heartbeatTimeouts + b.heartbeatTimeouts, retries: a.retries + b.retries };
}
