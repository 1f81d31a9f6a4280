import type { AwsClients } from '../aws/clients';

/** What every activity is built from: injected so tests and the worker choose them. */
export interface ActivityDeps {
  clients: AwsClients;
  /** Pause between polls of a slow AWS state (image, instance, command, target health). */
  pollIntervalMs: number;
  /**
   * Asks Temporal about the run that created a resource: the reaper removes only what a run of
   * a hybrid-deploy workflow made and no longer needs. Without it, the reaper removes nothing.
   */
  temporal?: WorkflowLookup;
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
