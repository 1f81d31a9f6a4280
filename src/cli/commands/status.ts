import { Command } from 'commander';
import { deployWorkflowId } from '../../contracts';
import type { CommandContext } from '../context';
import { describeDeploy, explainUnanswered, formatStatusLines, queryStatus } from '../deploys';
import { CliError, ErrorCode, Fault } from '../errors';
import { ExitCode } from '../exit-codes';
import { checkTarget } from '../target';

export interface StatusOptions {
  json?: boolean;
  debug?: boolean;
}

/** `hybrid-deploy status <app> <env>` */
export function statusCommand(ctx: CommandContext): Command {
  return new Command('status')
    .description("show the latest deploy of <app> to <env>: its execution status, phase and per-region progress")
    .argument('<app>')
    .argument('<env>')
    .option('--json', 'print one JSON document on stdout')
    .option('--debug', 'show stack traces')
    .action(async (app: string, env: string, options: StatusOptions) => {
      ctx.exitCode = await runStatus(ctx, app, env, options);
    });
}

export async function runStatus(ctx: CommandContext, app: string, env: string, options: StatusOptions): Promise<number> {
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
  const uiUrl = ctx.uiUrl(namespace, workflowId, runId);
  const execution = {
    status: description.status.name,
    taskQueue: description.taskQueue,
    startTime: description.startTime.toISOString(),
    ...(description.closeTime ? { closeTime: description.closeTime.toISOString() } : {}),
    historyLength: description.historyLength,
  };
  const answer = await queryStatus(client, client.workflow.getHandle(workflowId, runId));
  const note = 'status' in answer ? undefined : explainUnanswered(answer, description);

  if (options.json) {
    ctx.json({ workflowId, runId, uiUrl, execution, ...('status' in answer ? { status: answer.status } : { statusError: note }) });
    return ExitCode.OK;
  }
  ctx.out(`${workflowId}: ${execution.status}`);
  ctx.out(`  run:        ${runId}`);
  ctx.out(`  task queue: ${execution.taskQueue}`);
  ctx.out(`  started:    ${execution.startTime}${execution.closeTime ? `, closed ${execution.closeTime}` : ''}`);
  ctx.out(`  ui:         ${uiUrl}`);
  if ('status' in answer) for (const line of formatStatusLines(answer.status)) ctx.out(line);
  else ctx.out(`  ${note}`);
  return ExitCode.OK;
}
