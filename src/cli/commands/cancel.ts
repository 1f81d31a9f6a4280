import { Command } from 'commander';
import { WorkflowFailedError } from '@temporalio/client';
import { deployWorkflowId } from '../../contracts';
import type { CommandContext } from '../context';
import { describeDeploy, formatCompensation, queryFinalStatus, summarizeFailure, temporalError, type FailureSummary } from '../deploys';
import { CliError, ErrorCode, Fault } from '../errors';
import { ExitCode } from '../exit-codes';
import { checkTarget } from '../target';

export interface CancelOptions {
  wait?: boolean;
  json?: boolean;
  debug?: boolean;
}

/** `hybrid-deploy cancel <app> <env>` */
export function cancelCommand(ctx: CommandContext): Command {
  return new Command('cancel')
    .description('cancel the running deploy of <app> to <env>; the workflow undoes what it created')
    .argument('<app>')
    .argument('<env>')
    .option('--wait', 'wait until the deploy has closed (compensation done) and show the final status')
    .option('--json', 'print one JSON document on stdout')
    .option('--debug', 'show stack traces')
    .action(async (app: string, env: string, options: CancelOptions) => {
      ctx.exitCode = await runCancel(ctx, app, env, options);
    });
}

/**
 * Exit 0 when the cancellation was requested (with `--wait`: when the deploy closed as
 * cancelled), 1 with `--wait` when the deploy closed some other way (it finished or failed
 * before the cancellation took), 2 when no deploy of app/env is running.
 */
export async function runCancel(ctx: CommandContext, app: string, env: string, options: CancelOptions): Promise<number> {
  checkTarget(app, env);
  const workflowId = deployWorkflowId(app, env);
  const { client, namespace } = await ctx.temporal();
  const { description } = await describeDeploy(client, app, env);
  if (description?.status.name !== 'RUNNING') {
    const last = description ? ` (the latest, run ${description.runId}, is ${description.status.name})` : '';
    throw new CliError(ErrorCode.DEPLOY_NOT_RUNNING, `no deploy of ${app}/${env} is running${last}`, {
      exitCode: ExitCode.INVALID_INPUT,
      fault: Fault.USER,
      data: { workflowId, ...(description ? { runId: description.runId, status: description.status.name } : {}) },
    });
  }
  const { runId } = description;
  const uiUrl = ctx.uiUrl(namespace, workflowId, runId);
  const handle = client.workflow.getHandle(workflowId, runId);
  try {
    await handle.cancel();
  } catch (error) {
    throw temporalError(`cannot cancel ${workflowId} run ${runId}`, error);
  }
  if (!options.wait) {
    if (options.json) ctx.json({ workflowId, runId, uiUrl, cancelRequested: true, seconds: ctx.elapsedSeconds() });
    else {
      ctx.out(`cancellation requested for ${workflowId} run ${runId}; the workflow now undoes what it created`);
      ctx.out(`  follow it: hybrid-deploy status ${app} ${env}  or  ${uiUrl}`);
    }
    return ExitCode.OK;
  }

  ctx.err(`cancellation requested for ${workflowId} run ${runId}; waiting for it to close…`);
  let failure: FailureSummary | undefined;
  try {
    await handle.result();
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw temporalError(`lost track of ${workflowId} run ${runId}`, error);
    failure = summarizeFailure(error);
  }
  let finalStatus: string;
  try {
    finalStatus = (await handle.describe()).status.name;
  } catch (error) {
    throw temporalError(`cannot describe ${workflowId} run ${runId}`, error);
  }
  // The status query has the whole report while a worker can still replay the run; else the failure has it.
  const answer = await queryFinalStatus(client, handle);
  const compensation = ('status' in answer ? answer.status.compensation : undefined) ?? failure?.compensation;
  if (!compensation) ctx.err(`no compensation report: ${'status' in answer ? 'the workflow recorded none' : answer.unanswered}`);
  const seconds = ctx.elapsedSeconds();
  const cancelled = finalStatus === 'CANCELLED';
  if (options.json) {
    ctx.json({ workflowId, runId, uiUrl, status: finalStatus, ...(failure && failure.kind !== 'cancelled' ? { error: failure.message } : {}), compensation, seconds });
  } else {
    ctx.out(`${workflowId} run ${runId}: ${finalStatus}${failure && failure.kind !== 'cancelled' ? ` (${failure.message})` : ''}`);
    if (compensation) for (const line of formatCompensation(compensation)) ctx.out(line);
    ctx.out(`  ui: ${uiUrl}`);
  }
  if (!cancelled) ctx.err(`error [${ErrorCode.CANCEL_TOO_LATE}]: the deploy closed as ${finalStatus} before the cancellation took effect`);
  return cancelled ? ExitCode.OK : ExitCode.DEPLOY_FAILED;
}
