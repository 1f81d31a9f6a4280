import type { AwsClients } from '../aws/clients';

/** What every activity is built from: injected so tests and the worker choose them. */
export interface ActivityDeps {
  clients: AwsClients;
  /** Pause between polls of a slow AWS state (image, instance, command, target health). */
  pollIntervalMs: number;
  /**
   * Asks Temporal whether the workflow that created a resource is still running (the reaper
   * spares what a running deploy owns). Optional: without it, the reaper removes only what has
   * expired or failed, never a resource whose owner it cannot check.
   */
  temporal?: WorkflowLookup;
}

/** The status of one workflow run (`RUNNING`, `COMPLETED`, `FAILED`, …), or undefined when Temporal has no such run. */
export interface WorkflowLookup {
  status(workflowId: string, runId: string): Promise<string | undefined>;
}

/** Production defaults: AWS states change over seconds to minutes; polling faster only burns API budget. */
export const DEFAULT_POLL_INTERVAL_MS = 5_000;
