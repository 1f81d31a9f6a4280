import { Command } from 'commander';
import { WorkflowFailedError, type WorkflowExecutionStatusName } from '@temporalio/client';
import { deployWorkflowId } from '../../contracts';
import type { CommandContext } from '../context';
import { describeDeploy, describeLatestBake, queryFinalStatus } from '../deploy-status';
import { CliError, ErrorCode, Fault, temporalError } from '../errors';
import { ExitCode } from '../exit-codes';
import { summarizeFailure, type FailureSummary } from '../failure-summary';
import { Flags } from '../options';
import { outcomeOfExecution, type ClosedOutcome } from '../outcome';
import type { CommandOutput, RunLink } from '../results';
import { checkTarget } from '../target';

/** `hybrid-deploy cancel <app> <env>` */
export function cancelCommand(ctx: CommandContext): Command {
  return new Command('cancel')
    .description('cancel the running deploy (with --bake: the running bake) of <app> to <env>; the workflow undoes what it created')
    .argument('<app>')
    .argument('<env>')
    .addOption(Flags.bake())
    .addOption(Flags.wait('wait until the run has closed (compensation done) and show the final status'))
    .action(async (app: string, env: string, flags: CancelFlags) => {
      ctx.finish(await runCancel(ctx, app, env, flags));
    });
}

/** The `cancel` flags. */
export interface CancelFlags {
  wait?: boolean;
  /** Cancel the running bake (`hybrid-deploy bake`, or a night of the schedule) instead of the deploy. */
  bake?: boolean;
}

/**
 * Exit 0 when the cancellation was requested (with `--wait`: when the deploy closed as
 * cancelled), 1 with `--wait` when the deploy closed some other way (it finished or failed
 * before the cancellation took), 2 when no deploy of app/env is running.
 */
export async function runCancel(ctx: CommandContext, app: string, env: string, flags: CancelFlags): Promise<CommandOutput> {
  checkTarget(app, env);
  const { client, namespace } = await ctx.temporal();
  const description = flags.bake ? await describeLatestBake(client, app, env) : (await describeDeploy(client, app, env)).description;
  const workflowId = description?.workflowId ?? deployWorkflowId(app, env, flags.bake ? 'bake' : 'immutable');
  if (description?.status.name !== 'RUNNING') {
    const what = flags.bake ? 'bake' : 'deploy';
    const last = description ? ` (the latest, ${description.workflowId} run ${description.runId}, is ${description.status.name})` : '';
    const bakeRunning = !flags.bake && (await describeLatestBake(client, app, env))?.status.name === 'RUNNING';
    const hint = bakeRunning ? `; a bake of ${app}/${env} is running: hybrid-deploy cancel ${app} ${env} --bake` : '';
    throw new CliError(ErrorCode.DEPLOY_NOT_RUNNING, `no ${what} of ${app}/${env} is running${last}${hint}`, {
      exitCode: ExitCode.INVALID_INPUT,
      fault: Fault.USER,
      data: { workflowId, ...(description ? { runId: description.runId, status: description.status.name } : {}) },
    });
  }
  const { runId } = description;
  const link: RunLink = { workflowId, runId, uiUrl: ctx.uiUrl(namespace, workflowId, runId) };
  const handle = client.workflow.getHandle(workflowId, runId);
  try {
    await handle.cancel();
  } catch (error) {
    throw temporalError(`cannot cancel ${workflowId} run ${runId}`, error);
  }
  if (!flags.wait) return { exitCode: ExitCode.OK, result: { kind: 'cancel-requested', ...link, app, env, cancelRequested: true, seconds: ctx.elapsedSeconds() } };

  ctx.renderer.progress({ type: 'note', message: `cancellation requested for ${workflowId} run ${runId}; waiting for it to close…` });
  let failure: FailureSummary | undefined;
  try {
    await handle.result();
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw temporalError(`lost track of ${workflowId} run ${runId}`, error);
    failure = summarizeFailure(error);
  }
  let status: WorkflowExecutionStatusName;
  try {
    status = (await handle.describe()).status.name;
  } catch (error) {
    throw temporalError(`cannot describe ${workflowId} run ${runId}`, error);
  }
  // The status query has the whole report while a worker can still replay the run; else the failure has it.
  const answer = await queryFinalStatus(client, handle);
  const compensation = ('status' in answer ? answer.status.compensation : undefined) ?? failure?.compensation;
  if (!compensation) ctx.renderer.progress({ type: 'note', message: `no compensation report: ${'status' in answer ? 'the workflow recorded none' : answer.unanswered}` });
  // handle.result() returned or threw: the run is closed.
  const outcome = outcomeOfExecution(status) as ClosedOutcome;
  return {
    exitCode: outcome === 'cancelled' ? ExitCode.OK : ExitCode.DEPLOY_FAILED,
    result: {
      kind: 'cancel-finished',
      ...link,
      status,
      outcome,
      ...(failure && failure.outcome !== 'cancelled' ? { error: failure.message } : {}),
      ...(compensation ? { compensation } : {}),
      seconds: ctx.elapsedSeconds(),
    },
  };
}
