import type { ReapedResource, RunKind } from '../contracts';
import type { DeployResult, DeployStatus } from '../workflows/messages';
import type { ErrorCode } from './errors';
import type { ClosedOutcome, Outcome } from './outcome';

/**
 * What commands return: plain data, one type per kind of answer. A renderer turns a result into
 * text, one JSON document (the result without its `kind`), or whatever a later renderer needs (a
 * CI step summary, say), so every field a person sees is also in the JSON.
 */
export type CommandResult =
  | DeployStarted
  | DeployFinished
  | StatusReport
  | CancelRequested
  | CancelFinished
  | ReapFinished
  | BakeScheduled
  | WorkerVersionSet
  | WorkerDeploymentReport;

/** Where a workflow run is: its id, run id and Web UI page. */
export interface RunLink {
  workflowId: string;
  runId: string;
  uiUrl: string;
}

/** What a deploy or bake is about. */
export interface DeployTarget {
  procedure: RunKind;
  app: string;
  env: string;
  version: string;
}

/** `deploy` / `bake` without `--wait`: the workflow was started. */
export interface DeployStarted extends RunLink, DeployTarget {
  kind: 'deploy-started';
  seconds: number;
}

/** `deploy --wait` / `bake --wait`: the workflow closed. */
export interface DeployFinished extends RunLink, DeployTarget {
  kind: 'deploy-finished';
  outcome: ClosedOutcome;
  seconds: number;
  /** When it succeeded: per region, the image and the instances now serving. */
  result?: DeployResult;
  /** When it did not: the innermost message, its stable code and the undo report. */
  error?: string;
  code?: ErrorCode;
  compensation?: string[];
}

/** `status`: Temporal's view of the latest run and, when a worker answers, the workflow's own. */
export interface StatusReport extends RunLink {
  kind: 'status';
  outcome: Outcome;
  execution: { status: string; taskQueue: string; startTime: string; closeTime?: string; historyLength: number };
  status?: DeployStatus;
  /** Why there is no `status` (no worker answered, say). */
  statusError?: string;
}

/** `cancel` without `--wait`. */
export interface CancelRequested extends RunLink {
  kind: 'cancel-requested';
  app: string;
  env: string;
  cancelRequested: true;
  seconds: number;
}

/** `cancel --wait`: how the deploy closed, and what was undone. */
export interface CancelFinished extends RunLink {
  kind: 'cancel-finished';
  /** Temporal's execution status of the closed run (`CANCELLED` when the cancellation took). */
  status: string;
  outcome: ClosedOutcome;
  /** When it closed some other way than cancelled: what happened. */
  error?: string;
  compensation?: string[];
  seconds: number;
}

/** `reap`: what the reaper removed (or, with `--dry-run`, would remove), or why it failed. */
export interface ReapFinished extends RunLink {
  kind: 'reap-finished';
  outcome: ClosedOutcome;
  app: string;
  now?: string;
  dryRun?: boolean;
  removed?: ReapedResource[];
  error?: string;
  code?: ErrorCode;
}

/** `bake --schedule`: the schedule was created or updated. */
export interface BakeScheduled {
  kind: 'bake-scheduled';
  scheduleId: string;
  created: boolean;
  app: string;
  version: string;
  cron: string;
  timezone: string;
  nextRuns: string[];
  uiUrl: string;
}

/** `worker-version set-current`: new deploys now start on this build. */
export interface WorkerVersionSet {
  kind: 'worker-version-set';
  deploymentName: string;
  buildId: string;
  /** The build that was current before; null when unversioned workers were. */
  previousBuildId: string | null;
  seconds: number;
}

/** One build of a Worker Deployment, as the server reports it. */
export interface WorkerVersionReport {
  buildId: string;
  /** `current`, `ramping`, `draining` (pinned deploys still run on it), `drained` (safe to retire), `inactive`, `created`. */
  status: string;
  /** For a build no longer current: `draining` while deploys it started still run, then `drained`. */
  drainage?: string;
  drainageCheckedAt?: string;
  createdAt?: string;
}

/** `worker-version describe`: which build is current, which still run deploys, which can be retired. */
export interface WorkerDeploymentReport {
  kind: 'worker-deployment';
  deploymentName: string;
  /** The current build; absent when unversioned workers get new deploys. */
  current?: string;
  ramping?: string;
  versions: WorkerVersionReport[];
}

/** What a command hands back to exec: its exit code and, unless it printed nothing, its result. */
export interface CommandOutput {
  exitCode: number;
  result?: CommandResult;
}
