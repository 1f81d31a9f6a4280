/**
 * A run's timeline, read back from its Temporal history: every activity (and, for a mutable
 * deploy, every child workflow and its activities) as a bar from when it was scheduled, through
 * when its last attempt started, to when it closed, in the lane of its region. Plain data, so
 * the SVG, HTML and Markdown renderers and the CI job summary all draw the same thing.
 */

/** How a bar's work ended. */
export type BarOutcome = 'completed' | 'failed' | 'cancelled' | 'timed-out' | 'terminated' | 'running';

/** One activity or child workflow on the timeline. */
export interface TimelineBar {
  /** Unique within the timeline: `<workflowId>#<activityId>`. */
  id: string;
  kind: 'activity' | 'child';
  /** The region it worked in, or `deploy` for work that names none. */
  lane: string;
  /** Its summary as the Web UI shows it (`copy ami-… us-east-1 → us-west-2`), else its type. */
  label: string;
  /** The activity or workflow type. */
  type: string;
  /** Epoch milliseconds: scheduled (or initiated), started (its last attempt), closed. */
  scheduledMs: number;
  startedMs?: number;
  endMs: number;
  /** Attempts the activity took (1 when it did not retry). */
  attempts: number;
  outcome: BarOutcome;
  /** Why it failed, when it did. */
  failure?: string;
  /** On the chain of work that decided the run's end (see {@link markCriticalPath}). */
  critical: boolean;
}

/** Everything a report draws. */
export interface Timeline {
  workflowId: string;
  runId: string;
  /** The run's static summary (`immutable shop 1.4.2 → prod`), or its workflow type. */
  title: string;
  /** Epoch milliseconds: the run started, and closed (or now, for a run still going). */
  startMs: number;
  endMs: number;
  /** How the run stands: `completed`, `failed`, … or `running`. */
  status: string;
  /** The lanes in the order they first appear: regions, then `deploy`. */
  lanes: string[];
  bars: TimelineBar[];
}

/** The lane of work that names no region. */
export const DEPLOY_LANE = 'deploy';

/**
 * Marks the critical path: from the bar that ended last, back through the bar that ended last
 * before each one was scheduled (the work it waited for), to the first. Those bars decided when
 * the run ended; shortening anything else would not have made it end sooner. Child workflows
 * are containers: the path runs through their activities.
 */
export function markCriticalPath(bars: TimelineBar[]): void {
  const leaves = bars.filter((bar) => bar.kind === 'activity' && bar.outcome !== 'running');
  let current = leaves.reduce<TimelineBar | undefined>((latest, bar) => (!latest || bar.endMs > latest.endMs ? bar : latest), undefined);
  while (current) {
    current.critical = true;
    const before: TimelineBar = current;
    current = leaves
      .filter((bar) => !bar.critical && bar.endMs <= before.scheduledMs)
      .reduce<TimelineBar | undefined>((latest, bar) => (!latest || bar.endMs > latest.endMs ? bar : latest), undefined);
  }
}

/** Milliseconds on the critical path (the sum of its bars). */
export function criticalMs(timeline: Timeline): number {
  return timeline.bars.filter((bar) => bar.critical).reduce((sum, bar) => sum + (bar.endMs - bar.scheduledMs), 0);
}

/** `850ms`, `12.3s`, `4m12s`, `1h02m`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s).padStart(2, '0')}s`;
}
