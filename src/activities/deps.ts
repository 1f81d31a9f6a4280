import type { AwsClients } from '../aws/clients';
import { DEFAULT_CONSISTENCY_WINDOW_MS } from '../aws/consistency';

/** What every activity is built from: injected so tests and the worker choose them. */
export interface ActivityDeps {
  clients: AwsClients;
  /** Pause between polls of a slow AWS state (image, instance, command, target health). */
  pollIntervalMs: number;
  /**
   * How long AWS may take to show what it has just created (eventual consistency): a NotFound
   * for an id an activity made within this window is waited out, not taken as final. Default
   * {@link DEFAULT_CONSISTENCY_WINDOW_MS} (`HYBRID_DEPLOY_CONSISTENCY_WINDOW_MS` for the worker).
   */
  consistencyWindowMs?: number;
  /**
   * Asks Temporal about the run that created a resource: the reaper removes only what a run of
   * a hybrid-deploy workflow made and no longer needs. Without it, the reaper removes nothing.
   */
  temporal?: WorkflowLookup;
  /** The Temporal Web UI's base URL (`TEMPORAL_UI_URL`), for links in notifications; none when unset. */
  temporalUiUrl?: string;
}

/** What Temporal knows of one workflow run. */
export interface WorkflowRunFacts {
  /** `RUNNING`, `COMPLETED`, `FAILED`, `CANCELLED`, `TERMINATED`, `TIMED_OUT`, `CONTINUED_AS_NEW`. */
  status: string;
  /** The workflow type, e.g. `fullyImmutableDeploy`. */
  type: string;
}

/** Looks a run up in Temporal; undefined when Temporal has no such run. */
export interface WorkflowLookup {
  run(workflowId: string, runId: string): Promise<WorkflowRunFacts | undefined>;
}

/** Production defaults: AWS states change over seconds to minutes; polling faster only burns API budget. */
export const DEFAULT_POLL_INTERVAL_MS = 5_000;

/**
 * The poll interval for a world that runs at `timeScale` × AWS's pace (a sandbox at 0.02 moves
 * fifty times faster): AWS's 5 s, scaled alike, so a wait pays the same share of slack as on AWS;
 * never below 50 ms.
 */
export function pollIntervalForTimeScale(timeScale: number): number {
  return Math.max(50, Math.round(DEFAULT_POLL_INTERVAL_MS * timeScale));
}

/** The consistency window in force. */
export function consistencyWindow(deps: ActivityDeps): number {
  return deps.consistencyWindowMs ?? DEFAULT_CONSISTENCY_WINDOW_MS;
}
