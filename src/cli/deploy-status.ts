import { isGrpcDeadlineError, WorkflowNotFoundError, type Client, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { deployWorkflowId } from '../contracts';
import { statusQuery, type DeployStatus } from '../workflows/messages';
import { temporalError } from './errors';

/** How long a `status` query may take before the CLI says nobody answered. */
export const STATUS_QUERY_TIMEOUT_MS = 3_000;

/** The latest run of `deploy/<app>/<env>`, or no description when there never was one. */
export async function describeDeploy(client: Client, app: string, env: string): Promise<{ handle: WorkflowHandle; description?: WorkflowExecutionDescription }> {
  const handle = client.workflow.getHandle(deployWorkflowId(app, env));
  try {
    return { handle, description: await handle.describe() };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { handle };
    throw temporalError(`cannot describe ${deployWorkflowId(app, env)}`, error);
  }
}

/**
 * The latest bake of `<app>/<env>`: a running one if any, else the one started last, whether
 * `hybrid-deploy bake` started it (`bake/<app>/<env>`) or the nightly schedule did (its runs'
 * ids carry the time). Found by the search attributes every bake starts with.
 */
export async function describeLatestBake(client: Client, app: string, env: string): Promise<WorkflowExecutionDescription | undefined> {
  const query = `DeployApp = "${app}" AND DeployEnv = "${env}" AND DeployProcedure = "bake"`;
  let latest: { workflowId: string; runId: string; running: boolean; startMs: number } | undefined;
  try {
    let seen = 0;
    for await (const run of client.workflow.list({ query, pageSize: 50 })) {
      const running = run.status.name === 'RUNNING';
      const startMs = run.startTime.getTime();
      if (!latest || (running && !latest.running) || (running === latest.running && startMs > latest.startMs)) latest = { workflowId: run.workflowId, runId: run.runId, running, startMs };
      // Visibility lists open runs first, then the most recently closed: the first page decides.
      if (++seen >= 50) break;
    }
    return latest ? await client.workflow.getHandle(latest.workflowId, latest.runId).describe() : undefined;
  } catch (error) {
    throw temporalError(`cannot list the bakes of ${app}/${env}`, error);
  }
}

/** The `status` query's answer, or why there is none (a bounded wait: no worker → no answer). */
export type StatusAnswer = { status: DeployStatus } | { unanswered: string; timedOut: boolean };

/** Asks the workflow for its progress, waiting at most `timeoutMs`. */
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
