import { Command } from 'commander';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { deployWorkflowId } from '../../contracts';
import type { CommandContext } from '../context';
import { describeDeploy, describeLatestBake, explainUnanswered, queryStatus } from '../deploy-status';
import { CliError, ErrorCode, Fault } from '../errors';
import { ExitCode } from '../exit-codes';
import { exitCodeOf, outcomeOfExecution } from '../outcome';
import { whatRunsNow } from '../pending-activities';
import type { CommandOutput, RunState } from '../results';
import { checkTarget } from '../target';

/** `hybrid-deploy status <app> <env>` */
export function statusCommand(ctx: CommandContext): Command {
  return new Command('status')
    .description('show the latest deploy of <app> to <env> and its latest bake: outcome, phase, every region with its sub-step and elapsed time')
    .argument('<app>')
    .argument('<env>')
    .addHelpText(
      'after',
      '\nstatus exits with the outcome of the latest deploy (of the latest bake when no deploy ever ran): 0 succeeded, 1 failed, 5 cancelled, terminated or timed out, 6 still running; 2 when there is none.',
    )
    .action(async (app: string, env: string) => {
      ctx.finish(await runStatus(ctx, app, env));
    });
}

/**
 * Temporal's view of the latest run of `deploy/<app>/<env>` and of the latest bake, and, when a
 * worker answers, each workflow's own progress. The exit code tells the deploy's outcome, so CI
 * can gate on it: the execution status decides it, never the query (which needs a worker).
 */
export async function runStatus(ctx: CommandContext, app: string, env: string): Promise<CommandOutput> {
  checkTarget(app, env);
  const workflowId = deployWorkflowId(app, env);
  const { client, namespace } = await ctx.temporal();
  const [{ description }, bake] = await Promise.all([describeDeploy(client, app, env), describeLatestBake(client, app, env)]);
  const latest = description ?? bake;
  if (!latest) {
    throw new CliError(ErrorCode.DEPLOY_NOT_FOUND, `no deploy or bake of ${app}/${env} found (no workflow ${workflowId}, no bake, in namespace ${namespace})`, {
      exitCode: ExitCode.INVALID_INPUT,
      fault: Fault.USER,
      data: { workflowId },
    });
  }
  const main = await runState(ctx, client, namespace, latest);
  return {
    exitCode: exitCodeOf(main.outcome),
    result: { kind: 'status', ...main, ...(description && bake ? { bake: await runState(ctx, client, namespace, bake) } : {}) },
  };
}

/** One run as `status` shows it: Temporal's description, the workflow's answer, its pending activities. */
export async function runState(ctx: CommandContext, client: Client, namespace: string, description: WorkflowExecutionDescription): Promise<RunState> {
  const { workflowId, runId } = description;
  const outcome = outcomeOfExecution(description.status.name);
  const answer = await queryStatus(client, client.workflow.getHandle(workflowId, runId));
  const now = 'status' in answer && outcome === 'running' ? await whatRunsNow(client, description, answer.status) : undefined;
  const status = now?.status ?? ('status' in answer ? answer.status : undefined);
  const pending = now?.pending ?? [];
  return {
    workflowId,
    runId,
    uiUrl: ctx.uiUrl(namespace, workflowId, runId),
    outcome,
    execution: {
      status: description.status.name,
      taskQueue: description.taskQueue,
      startTime: description.startTime.toISOString(),
      ...(description.closeTime ? { closeTime: description.closeTime.toISOString() } : {}),
      historyLength: description.historyLength,
    },
    ...(status ? { status } : { statusError: explainUnanswered(answer as { unanswered: string; timedOut: boolean }, description) }),
    ...(pending.length ? { pending } : {}),
    asOf: new Date().toISOString(),
  };
}
