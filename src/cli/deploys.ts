import {
  ApplicationFailure,
  CancelledFailure,
  isGrpcDeadlineError,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { deployWorkflowId } from '../contracts';
import { statusQuery, type DeployResult, type DeployStatus, type RegionProgress } from '../workflows/messages';
import { CliError, ErrorCode, Fault } from './errors';
import { ExitCode } from './exit-codes';

/** How long a `status` query may take before the CLI says nobody answered. */
export const STATUS_QUERY_TIMEOUT_MS = 3_000;

/** The latest run of `deploy/<app>/<env>`, or undefined when there never was one. */
export async function describeDeploy(client: Client, app: string, env: string): Promise<{ handle: WorkflowHandle; description?: WorkflowExecutionDescription }> {
  const handle = client.workflow.getHandle(deployWorkflowId(app, env));
  try {
    return { handle, description: await handle.describe() };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { handle };
    throw temporalError(`cannot describe ${deployWorkflowId(app, env)}`, error);
  }
}

/** The `status` query's answer, or why there is none (a bounded wait: no worker → no answer). */
export type StatusAnswer = { status: DeployStatus } | { unanswered: string; timedOut: boolean };

export async function queryStatus(client: Client, handle: WorkflowHandle, timeoutMs = STATUS_QUERY_TIMEOUT_MS): Promise<StatusAnswer> {
  try {
    return { status: await client.connection.withDeadline(Date.now() + timeoutMs, () => handle.query(statusQuery)) };
  } catch (error) {
    if (isGrpcDeadlineError(error)) return { unanswered: `no answer to the status query within ${timeoutMs / 1000}s`, timedOut: true };
    return { unanswered: messageChain(error), timedOut: false };
  }
}

/**
 * The status of a closed deploy, for its final report. A closed run is queried by replaying it
 * on a worker, and a query that races the worker's eviction of the run can go unanswered, so a
 * timed-out attempt is retried once.
 */
export async function queryFinalStatus(client: Client, handle: WorkflowHandle, attempts = 2): Promise<StatusAnswer> {
  let answer = await queryStatus(client, handle);
  for (let attempt = 1; attempt < attempts && 'timedOut' in answer && answer.timedOut; attempt++) answer = await queryStatus(client, handle);
  return answer;
}

/** Why a status query went unanswered, in words an operator can act on. */
export function explainUnanswered(answer: { unanswered: string; timedOut: boolean }, description: WorkflowExecutionDescription): string {
  const running = description.status.name === 'RUNNING';
  // Started + workflow task scheduled (+ started): no workflow task has completed, so no worker
  // has run the workflow yet; the server answers that with a timeout or a query failure.
  if (running && description.historyLength <= 3) {
    return `no worker has picked it up yet (${answer.unanswered}; is a worker polling task queue ${description.taskQueue}? npm run worker)`;
  }
  if (running && answer.timedOut) return `no worker answered (${answer.unanswered}; are the workers on task queue ${description.taskQueue} running?)`;
  if (!running) return `status unavailable: ${answer.unanswered} (a closed deploy is queried by replaying it on a worker of task queue ${description.taskQueue})`;
  return `status unavailable: ${answer.unanswered}`;
}

/** `outer: inner: innermost`, skipping repeats: the SDK wraps the server's reason in a generic message. */
function messageChain(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const text = current.message.trim();
    if (text && !parts.some((p) => p.includes(text))) parts.push(text);
  }
  return parts.join(': ') || String(error);
}

/** What a closed deploy's failure says: kind, the innermost useful message, the undo report. */
export interface FailureSummary {
  kind: 'failed' | 'cancelled' | 'terminated' | 'timed out';
  code: ErrorCode;
  message: string;
  compensation?: string[];
}

/** Reads a `WorkflowFailedError` (and its `cause` chain); anything else is not a deploy failure. */
export function summarizeFailure(error: WorkflowFailedError): FailureSummary {
  const chain: Error[] = [];
  for (let current: unknown = error.cause; current instanceof Error && chain.length < 20; current = current.cause) chain.push(current);
  const compensation = chain.map(compensationOf).find((report) => report !== undefined);
  const top = chain[0];
  if (top instanceof CancelledFailure) return { kind: 'cancelled', code: ErrorCode.DEPLOY_CANCELLED, message: 'cancelled', compensation };
  if (top instanceof TerminatedFailure) return { kind: 'terminated', code: ErrorCode.DEPLOY_TERMINATED, message: `terminated: ${top.message}`, compensation };
  if (top instanceof TimeoutFailure) return { kind: 'timed out', code: ErrorCode.DEPLOY_TIMED_OUT, message: `timed out: ${top.message}`, compensation };
  const innermost = [...chain].reverse().find((e) => e.message)?.message ?? error.message;
  return { kind: 'failed', code: ErrorCode.DEPLOY_FAILED, message: innermost, compensation };
}

function compensationOf(error: Error): string[] | undefined {
  if (!(error instanceof ApplicationFailure) && !(error instanceof CancelledFailure)) return undefined;
  const first = error.details?.[0] as { compensation?: unknown } | undefined;
  const report = first?.compensation;
  return Array.isArray(report) && report.every((line) => typeof line === 'string') ? report : undefined;
}

/** `phase=copying us-east-1=promoting us-west-2=syncing(2/4)`: what changed is what gets printed. */
export function formatProgress(status: DeployStatus): string {
  const regions = Object.entries(status.regions).map(([region, progress]) => `${region}=${regionPhase(progress)}`);
  return [`phase=${status.phase}`, ...regions].join(' ');
}

function regionPhase(progress: RegionProgress): string {
  return progress.batchesTotal ? `${progress.phase}(${progress.batchesDone ?? 0}/${progress.batchesTotal})` : progress.phase;
}

/** Per-region detail lines for `status`. */
export function formatStatusLines(status: DeployStatus): string[] {
  const lines = [`  ${status.procedure} deploy of ${status.app} ${status.version} to ${status.env}: phase ${status.phase}`];
  for (const [region, progress] of Object.entries(status.regions)) {
    const parts = [regionPhase(progress)];
    if (progress.imageId) parts.push(`image ${progress.imageId}`);
    if (progress.newInstances?.length) parts.push(`new ${progress.newInstances.join(', ')}`);
    if (progress.oldInstances?.length) parts.push(`old ${progress.oldInstances.join(', ')}`);
    if (progress.updated !== undefined) parts.push(`${progress.updated} updated`);
    lines.push(`    ${region}: ${parts.join('; ')}`);
  }
  if (status.error) lines.push(`  error: ${status.error}`);
  if (status.compensation) lines.push(...formatCompensation(status.compensation));
  return lines;
}

/** The success summary: per region, the image and the instances now serving. */
export function formatResult(result: DeployResult, seconds: number): string[] {
  const lines = [`deployed ${result.app} ${result.version} to ${result.env} (${result.procedure}) in ${seconds}s`];
  for (const region of result.regions) {
    const parts = [];
    if (region.imageId) parts.push(`image ${region.imageId}`);
    parts.push(`instances ${region.instanceIds.join(', ') || '(none)'}`);
    if (region.retiredInstanceIds.length) parts.push(`retired ${region.retiredInstanceIds.join(', ')}`);
    lines.push(`  ${region.region}: ${parts.join('; ')}`);
  }
  return lines;
}

/** The compensation report, one undo step a line. */
export function formatCompensation(report: string[]): string[] {
  if (report.length === 0) return ['  compensation: nothing to undo'];
  return ['  compensation:', ...report.map((line) => `    - ${line}`)];
}

/** A Temporal call that failed for a reason other than the user's input. */
export function temporalError(what: string, error: unknown): CliError {
  if (error instanceof CliError) return error;
  return new CliError(ErrorCode.TEMPORAL_ERROR, `${what}: ${(error as Error)?.message ?? String(error)}`, {
    exitCode: ExitCode.SYSTEM_ERROR,
    fault: Fault.SYSTEM,
    cause: error,
  });
}
