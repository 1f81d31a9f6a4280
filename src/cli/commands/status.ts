import { Command } from 'commander';
import { deployWorkflowId } from '../../contracts';
import type { CommandContext } from '../context';
import { describeDeploy, explainUnanswered, queryStatus } from '../deploy-status';
import { CliError, ErrorCode, Fault } from '../errors';
import { ExitCode } from '../exit-codes';
import { exitCodeOf, outcomeOfExecution } from '../outcome';
import type { CommandOutput } from '../results';
import { checkTarget } from '../target';

/** `hybrid-deploy status <app> <env>` */
export function statusCommand(ctx: CommandContext): Command {
  return new Command('status')
    .description('show the latest deploy of <app> to <env>: its outcome, phase and per-region progress')
    .argument('<app>')
    .argument('<env>')
    .addHelpText('after', '\nstatus exits with the outcome of the latest deploy: 0 succeeded, 1 failed, 5 cancelled, terminated or timed out, 6 still running; 2 when there is none.')
    .action(async (app: string, env: string) => {
      ctx.finish(await runStatus(ctx, app, env));
    });
}

/**
 * Temporal's view of the latest run of `deploy/<app>/<env>` and, when a worker answers, the
 * workflow's own progress. The exit code tells the outcome, so CI can gate on it: the
 * execution status decides it, never the query (which needs a worker).
 */
export async function runStatus(ctx: CommandContext, app: string, env: string): Promise<CommandOutput> {
  checkTarget(app, env);
  const workflowId = deployWorkflowId(app, env);
  const { client, namespace } = await ctx.temporal();
  const { description } = await describeDeploy(client, app, env);
  if (!description) {
    throw new CliError(ErrorCode.DEPLOY_NOT_FOUND, `no deploy of ${app}/${env} found (no workflow ${workflowId} in namespace ${namespace})`, {
      exitCode: ExitCode.INVALID_INPUT,
      fault: Fault.USER,
      data: { workflowId },
    });
  }
  const { runId } = description;
  const outcome = outcomeOfExecution(description.status.name);
  const answer = await queryStatus(client, client.workflow.getHandle(workflowId, runId));
  return {
    exitCode: exitCodeOf(outcome),
    result: {
      kind: 'status',
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
      ...('status' in answer ? { status: answer.status } : { statusError: explainUnanswered(answer, description) }),
    },
  };
}
