import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandleWithStartDetails, type WorkflowStartOptions } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { deploySearchAttributes, deployWorkflowId, RUN_WORKFLOW_TYPES, type DeployRequest, type RunKind } from '../contracts';
import type * as workflows from '../workflows';
import type { DeployResult } from '../workflows/messages';
import { CliError, ErrorCode, Fault, temporalError } from './errors';
import { ExitCode } from './exit-codes';
import type { RunMetadata } from './run-metadata';

/** The workflows the worker registers, by their exported names (types only: the CLI runs none of them). */
type Workflows = typeof workflows;
type WorkflowName = keyof Workflows;
type DeployWorkflowName = { [K in WorkflowName]: Workflows[K] extends (request: DeployRequest) => Promise<DeployResult> ? K : never }[WorkflowName];

/**
 * The workflow each kind of run starts. `satisfies` checks every name against the workflows
 * module's exports and their signature, so renaming a workflow or changing its input breaks the
 * build here rather than a deploy at run time.
 */
export const DEPLOY_WORKFLOWS = RUN_WORKFLOW_TYPES satisfies Record<RunKind, DeployWorkflowName>;

/** Starts a workflow by its exported name; its arguments and result are typed by the workflow function. */
export function startWorkflow<K extends WorkflowName>(client: Client, name: K, options: WorkflowStartOptions<Workflows[K]>): Promise<WorkflowHandleWithStartDetails<Workflows[K]>> {
  return client.workflow.start<Workflows[K]>(name, options);
}

/** The search attributes a deploy or bake starts with (the workflow upserts them as it moves). */
export function startingSearchAttributes(request: DeployRequest): SearchAttributePair[] {
  return deploySearchAttributes({ app: request.spec.app, env: request.env, procedure: request.procedure, version: request.version }, 'starting');
}

/**
 * Starts a deploy or bake with its Web UI summary and details: one running per app and env (a
 * finished one may run again); a second is refused with the running one's id and its Web UI
 * link (`uiUrl` of a run id).
 */
export async function startDeploy(client: Client, request: DeployRequest, taskQueue: string, uiUrl: (runId: string) => string, metadata: RunMetadata): Promise<WorkflowHandleWithStartDetails> {
  const workflowId = deployWorkflowId(request.spec.app, request.env, request.procedure);
  try {
    return await startWorkflow(client, DEPLOY_WORKFLOWS[request.procedure], {
      args: [request],
      // What the Web UI's list and detail page say about the run before it has done anything.
      staticSummary: metadata.staticSummary,
      staticDetails: metadata.staticDetails,
      taskQueue,
      workflowId,
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: startingSearchAttributes(request),
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw temporalError(`cannot start ${workflowId}`, error);
    throw await alreadyRunning(client, workflowId, `a ${request.procedure === 'bake' ? 'bake' : 'deploy'} of ${request.spec.app}/${request.env}`, error, uiUrl);
  }
}

/** DEPLOY_CONFLICT (exit 3), naming the run that holds the id. */
export async function alreadyRunning(client: Client, workflowId: string, what: string, cause: unknown, uiUrl?: (runId: string) => string): Promise<CliError> {
  let runId = '(unknown run)';
  try {
    runId = (await client.workflow.getHandle(workflowId).describe()).runId;
  } catch {
    // It may have closed in between; the message still says what happened.
  }
  const link = uiUrl?.(runId);
  return new CliError(ErrorCode.DEPLOY_CONFLICT, `${what} is already running: workflow ${workflowId} run ${runId}${link ? ` (${link})` : ''}`, {
    exitCode: ExitCode.CONFLICT,
    fault: Fault.USER,
    data: { workflowId, runId, ...(link ? { uiUrl: link } : {}) },
    cause,
  });
}
