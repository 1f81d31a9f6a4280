import type { ReapedResource, RetentionPolicy, RunKind } from '../contracts';
import type { HousekeepingReport } from '../workflows/housekeeping';
import type { DeployResult, DeployStatus } from '../workflows/messages';
import type { ErrorCode } from './errors';
import type { PendingActivity } from './pending-activities';
import type { Timeline } from './timeline/timeline';
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
  | ImagesListed
  | HousekeepingFinished
  | HousekeepingScheduled
  | BakeScheduled
  | WorkerVersionSet
  | WorkerDeploymentReport
  | ReportWritten
  | PreflightChecked
  | ApprovalRecorded
  | CommandLogs;

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
  /** Where the time went (read from its history), when the renderer draws it (a CI job summary). */
  timeline?: Timeline;
}

/** Temporal's view of one run and, when a worker answers, the workflow's own progress. */
export interface RunState extends RunLink {
  outcome: Outcome;
  execution: { status: string; taskQueue: string; startTime: string; closeTime?: string; historyLength: number };
  status?: DeployStatus;
  /** Why there is no `status` (no worker answered, say). */
  statusError?: string;
  /** The activities a running run is in, with what their heartbeats last said. */
  pending?: PendingActivity[];
  /** When this was read (ISO): elapsed times run to it. */
  asOf: string;
}

/**
 * `status`: the latest deploy of an app/env (or, when there is none, its latest bake) and its
 * latest bake beside it (`bake`).
 */
export interface StatusReport extends RunState {
  kind: 'status';
  bake?: RunState;
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

/** `images`: the catalog per region, with what the retention policy decides about each image. */
export interface ImagesListed extends RunLink {
  kind: 'images-listed';
  app: string;
  policy: RetentionPolicy;
  report: HousekeepingReport;
}

/** `housekeeping`: what one run removed (or, with `--dry-run`, would remove) and kept, or why it failed. */
export interface HousekeepingFinished extends RunLink {
  kind: 'housekeeping-finished';
  outcome: ClosedOutcome;
  app: string;
  report?: HousekeepingReport;
  error?: string;
  code?: ErrorCode;
}

/** `housekeeping --schedule`: the schedule was created or updated. */
export interface HousekeepingScheduled {
  kind: 'housekeeping-scheduled';
  scheduleId: string;
  created: boolean;
  app: string;
  dryRun: boolean;
  cron: string;
  timezone: string;
  note: string;
  nextRuns: string[];
  uiUrl: string;
}

/** `bake --schedule`: the schedule was created or updated. */
export interface BakeScheduled {
  kind: 'bake-scheduled';
  scheduleId: string;
  created: boolean;
  app: string;
  /** The version baked, or `live` for a schedule that follows the release. */
  version: string;
  /** Each run bakes the release live in the environment, its artifact the template filled in. */
  followsLiveRelease?: boolean;
  artifactTemplate?: string;
  cron: string;
  timezone: string;
  /** The schedule's note, as the Web UI shows it. */
  note: string;
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

/** The formats `report` draws in. */
export type ReportFormat = 'svg' | 'html' | 'md';

/** `report`: where the time went in a run, written to a file or carried as the document itself. */
export interface ReportWritten extends RunLink {
  kind: 'report';
  format: ReportFormat;
  totalSeconds: number;
  criticalPathSeconds: number;
  /** Bars drawn: activities and child workflows. */
  steps: number;
  /** The file written (absolute), with `--out`. */
  out?: string;
  /** The report itself, without `--out`. */
  document?: string;
}

/** `check`: what the preflight found (every problem, with its spec field and the fix) and what it checked. */
export interface PreflightChecked {
  kind: 'preflight-checked';
  ok: boolean;
  app: string;
  env: string;
  procedure: RunKind;
  regions: string[];
  problems: { path: string; message: string }[];
  checked: string[];
  /** What could not be checked (e.g. IAM not readable with these credentials); not a problem. */
  unchecked: string[];
}

/** `approve`: the deploy recorded the decision (approved: it goes live; rejected: it undoes what it did). */
export interface ApprovalRecorded extends RunLink {
  kind: 'approval-recorded';
  app: string;
  env: string;
  approved: boolean;
  by: string;
  /** When the deploy recorded it (workflow time). */
  at: string;
  reason?: string;
}

/** `logs`: the whole output of the commands a deploy ran, per step, instance and stream. */
export interface CommandLogs {
  kind: 'command-logs';
  app: string;
  env: string;
  runId: string;
  /** Where it was read from: `s3://bucket/prefix/…`. */
  location: string;
  outputs: { step: string; commandId: string; instanceId: string; stream: 'stdout' | 'stderr'; bytes: number; text: string }[];
}

/** What a command hands back to exec: its exit code and, unless it printed nothing, its result. */
export interface CommandOutput {
  exitCode: number;
  result?: CommandResult;
}
