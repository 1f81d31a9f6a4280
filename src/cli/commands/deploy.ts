import { Command } from 'commander';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client, type WorkflowHandle, type WorkflowHandleWithStartDetails } from '@temporalio/client';
import { deploySearchAttributes, type DeployRequest, deployWorkflowId, PROCEDURES, type RunKind } from '../../contracts';
import { TASK_QUEUE } from '../../task-queue';
import type { DeployResult } from '../../workflows/messages';
import type { CommandContext } from '../context';
import { buildDeployRequest, type DeployFlags } from '../deploy-input';
import { formatCompensation, formatProgress, formatResult, queryFinalStatus, queryStatus, summarizeFailure, temporalError, type FailureSummary } from '../deploys';
import { CliError, ErrorCode, Fault } from '../errors';
import { ExitCode } from '../exit-codes';

/** The workflow type each procedure starts (by name, so the CLI builds without the workflow code). */
export const WORKFLOW_TYPES: Record<RunKind, string> = {
  immutable: 'fullyImmutableDeploy',
  partial: 'partiallyImmutableDeploy',
  mutable: 'mutableDeploy',
  bake: 'nightlyBake',
};

/** How often `--wait` asks the workflow for its progress, and how long one answer may take. */
export const PROGRESS_POLL_MS = 2_000;
const PROGRESS_QUERY_TIMEOUT_MS = 2_000;

export interface DeployOptions extends DeployFlags {
  wait?: boolean;
  json?: boolean;
  taskQueue?: string;
  debug?: boolean;
}

/** `hybrid-deploy deploy …` */
export function deployCommand(ctx: CommandContext): Command {
  return new Command('deploy')
    .description('start a deploy (validates the spec and flags first; nothing starts on bad input)')
    .option('--procedure <procedure>', `${PROCEDURES.join(' | ')}`)
    .option('--spec <file>', 'the deploy spec (YAML or JSON)')
    .option('--env <env>', 'the environment, e.g. prod')
    .option('--version <version>', 'the release version, e.g. 1.4.2')
    .option('--artifact <url>', 'the release artifact: s3://bucket/key, https://… or file:///abs/path')
    .option('--sha256 <hex>', "the artifact's sha256 (default: <artifact>.sha256 beside a file:// artifact, if present)")
    .option('--batch-size <n|n%>', 'mutable only: instances per batch, a count or a percentage of the fleet')
    .option('--min-healthy <n|n%>', 'mutable only: instances that stay in service, a count or a percentage')
    .option('--wait', 'wait for the deploy to finish, showing progress on stderr')
    .option('--json', 'print one JSON document on stdout')
    .option('--task-queue <queue>', `the workers' task queue (default: $HYBRID_DEPLOY_TASK_QUEUE or ${TASK_QUEUE})`)
    .option('--debug', 'show stack traces')
    .action(async (options: DeployOptions) => {
      ctx.exitCode = await runDeploy(ctx, options);
    });
}

export async function runDeploy(ctx: CommandContext, options: DeployOptions, kind?: 'bake'): Promise<number> {
  // Everything is checked before the first network call: bad input starts nothing.
  const request = kind === 'bake' ? bakeRequest(options) : buildDeployRequest(options);
  const taskQueue = options.taskQueue || ctx.env.HYBRID_DEPLOY_TASK_QUEUE || TASK_QUEUE;
  const { app } = request.spec;
  const workflowId = deployWorkflowId(app, request.env, request.procedure);

  const { client, namespace } = await ctx.temporal();
  const handle = await start(ctx, client, namespace, request, taskQueue);
  const runId = handle.firstExecutionRunId;
  const uiUrl = ctx.uiUrl(namespace, workflowId, runId);
  if (!options.json) {
    ctx.out(`started ${request.procedure} deploy of ${app} ${request.version} to ${request.env}`);
    ctx.out(`  workflow: ${workflowId}`);
    ctx.out(`  run:      ${runId}`);
    ctx.out(`  ui:       ${uiUrl}`);
  }
  if (!options.wait) {
    if (options.json) ctx.json({ workflowId, runId, uiUrl, seconds: ctx.elapsedSeconds() });
    return ExitCode.OK;
  }

  ctx.err(`waiting for ${workflowId} (Ctrl-C stops waiting, not the deploy; to stop it: hybrid-deploy cancel ${app} ${request.env})`);
  const outcome = await waitWithProgress(ctx, client, handle);
  const seconds = ctx.elapsedSeconds();
  if ('result' in outcome) {
    if (options.json) ctx.json({ workflowId, runId, uiUrl, result: outcome.result, seconds });
    else for (const line of formatResult(outcome.result, seconds)) ctx.out(line);
    return ExitCode.OK;
  }
  const { failure } = outcome;
  if (options.json) {
    ctx.json({ workflowId, runId, uiUrl, error: failure.message, code: failure.code, compensation: failure.compensation, seconds });
  } else {
    ctx.out(`deploy of ${app} ${request.version} to ${request.env} ${failure.kind} after ${seconds}s${failure.kind === 'failed' ? `: ${failure.message}` : ''}`);
    if (failure.compensation) for (const line of formatCompensation(failure.compensation)) ctx.out(line);
  }
  const what = failure.kind === 'failed' ? 'failed (what it created was undone: see the compensation report)' : failure.kind === 'timed out' ? 'timed out' : `was ${failure.kind}`;
  ctx.err(`error [${failure.code}]: the deploy ${what}`);
  return ExitCode.DEPLOY_FAILED;
}

/** A bake is an immutable deploy's first half: the same request, validated the same way. */
export function bakeRequest(options: DeployFlags): DeployRequest {
  return { ...buildDeployRequest({ ...options, procedure: 'immutable' }), procedure: 'bake' };
}

async function start(ctx: CommandContext, client: Client, namespace: string, request: DeployRequest, taskQueue: string): Promise<WorkflowHandleWithStartDetails> {
  const { app } = request.spec;
  const workflowId = deployWorkflowId(app, request.env, request.procedure);
  try {
    return await client.workflow.start(WORKFLOW_TYPES[request.procedure], {
      args: [request],
      taskQueue,
      workflowId,
      // One running deploy per app and env; a finished one may be deployed again.
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: deploySearchAttributes({ app, env: request.env, procedure: request.procedure, version: request.version }, 'starting'),
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw temporalError(`cannot start ${workflowId}`, error);
    let runId = '(unknown run)';
    try {
      runId = (await client.workflow.getHandle(workflowId).describe()).runId;
    } catch {
      // It may have closed in between; the message still says what happened.
    }
    const uiUrl = ctx.uiUrl(namespace, workflowId, runId);
    throw new CliError(ErrorCode.DEPLOY_CONFLICT, `a ${request.procedure === 'bake' ? 'bake' : 'deploy'} of ${app}/${request.env} is already running: workflow ${workflowId} run ${runId} (${uiUrl})`, {
      exitCode: ExitCode.CONFLICT,
      fault: Fault.USER,
      data: { workflowId, runId, uiUrl },
      cause: error,
    });
  }
}

type Outcome = { result: DeployResult } | { failure: FailureSummary };

/** Awaits the result; meanwhile prints `[12.3s] phase=… <region>=…` on stderr whenever it changes. */
export async function waitWithProgress(ctx: CommandContext, client: Client, handle: WorkflowHandle): Promise<Outcome> {
  let done = false;
  let wake: () => void = () => undefined;
  let last = '';
  const poll = async () => {
    while (!done) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, PROGRESS_POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (done) return;
      const answer = await queryStatus(client, handle, PROGRESS_QUERY_TIMEOUT_MS);
      if (done || !('status' in answer)) continue;
      const line = formatProgress(answer.status);
      if (line !== last) ctx.err(`[${ctx.elapsedSeconds().toFixed(1)}s] ${line}`);
      last = line;
    }
  };
  const poller = poll();
  try {
    return { result: (await handle.result()) as DeployResult };
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) {
      throw temporalError(`lost track of ${handle.workflowId} (it may still be running: hybrid-deploy status)`, error);
    }
    const failure = summarizeFailure(error);
    if (!failure.compensation) {
      // A cancellation carries no report; the workflow's state still has it while a worker can replay it.
      const answer = await queryFinalStatus(client, handle);
      if ('status' in answer && answer.status.compensation) failure.compensation = answer.status.compensation;
    }
    return { failure };
  } finally {
    done = true;
    wake();
    await poller;
  }
}
