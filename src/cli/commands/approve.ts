import { userInfo } from 'node:os';
import { Command } from 'commander';
import { isGrpcDeadlineError, WorkflowUpdateFailedError } from '@temporalio/client';
import { deployWorkflowId } from '../../contracts';
import { approveUpdate, type ApprovalRequest } from '../../workflows/messages';
import type { CommandContext } from '../context';
import { describeDeploy } from '../deploy-status';
import { CliError, ErrorCode, Fault, invalidInput, temporalError } from '../errors';
import { ExitCode } from '../exit-codes';
import { Flags, readFlags, type RawFlags } from '../options';
import type { CommandOutput } from '../results';
import { checkTarget } from '../target';

/** How long `approve` waits for a worker to record the decision. */
export const APPROVE_TIMEOUT_MS = 30_000;

interface ApproveFlags {
  reject?: boolean;
  reason?: string;
  by?: string;
}

/** `hybrid-deploy approve <app> <env> [--reject --reason R] [--by NAME]` */
export function approveCommand(ctx: CommandContext): Command {
  return new Command('approve')
    .description('approve the deploy of <app> to <env> waiting at its approval gate (traffic then moves), or reject it (it then undoes what it did)')
    .argument('<app>')
    .argument('<env>')
    .addOption(Flags.reject())
    .addOption(Flags.reason())
    .addOption(Flags.by())
    .action(async (app: string, env: string, raw: RawFlags<ApproveFlags>) => {
      ctx.finish(await runApprove(ctx, app, env, raw));
    });
}

/**
 * Sends the `approve` Update to the running deploy and returns the decision it recorded. The
 * deploy's validator decides what is acceptable (only a deploy waiting at its gate; a rejection
 * needs a reason); a refusal exits 2 with its words. Nothing reaches Temporal on bad flags.
 */
export async function runApprove(ctx: CommandContext, app: string, env: string, raw: RawFlags<ApproveFlags>): Promise<CommandOutput> {
  checkTarget(app, env);
  const { flags, problems } = readFlags(raw);
  if (flags.reject && !flags.reason) problems.push({ path: '--reason', message: 'is required with --reject: say why, it is recorded with the decision' });
  if (problems.length > 0) throw invalidInput('the approve input is invalid; nothing was sent', problems);
  const request: ApprovalRequest = { approve: !flags.reject, by: flags.by ?? decider(ctx.env), ...(flags.reason ? { reason: flags.reason } : {}) };

  const workflowId = deployWorkflowId(app, env);
  const { client, namespace } = await ctx.temporal();
  const { description } = await describeDeploy(client, app, env);
  if (description?.status.name !== 'RUNNING') {
    const last = description ? ` (the latest, run ${description.runId}, is ${description.status.name})` : '';
    throw new CliError(ErrorCode.DEPLOY_NOT_RUNNING, `no deploy of ${app}/${env} is running${last}`, { exitCode: ExitCode.INVALID_INPUT, fault: Fault.USER, data: { workflowId } });
  }
  const { runId } = description;
  const handle = client.workflow.getHandle(workflowId, runId);
  try {
    const decision = await client.connection.withDeadline(Date.now() + APPROVE_TIMEOUT_MS, () => handle.executeUpdate(approveUpdate, { args: [request] }));
    return {
      exitCode: ExitCode.OK,
      result: { kind: 'approval-recorded', workflowId, runId, uiUrl: ctx.uiUrl(namespace, workflowId, runId), app, env, ...decision },
    };
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const why = error.cause instanceof Error ? error.cause.message : error.message;
      throw new CliError(ErrorCode.NOT_WAITING_FOR_APPROVAL, `${workflowId} refused the decision: ${why}`, { exitCode: ExitCode.INVALID_INPUT, fault: Fault.USER, data: { workflowId, runId }, cause: error });
    }
    if (isGrpcDeadlineError(error)) {
      throw new CliError(ErrorCode.TEMPORAL_ERROR, `no worker recorded the decision within ${APPROVE_TIMEOUT_MS / 1000}s (are the workers on task queue ${description.taskQueue} running?)`, {
        exitCode: ExitCode.SYSTEM_ERROR,
        fault: Fault.SYSTEM,
        cause: error,
      });
    }
    throw temporalError(`cannot send the decision to ${workflowId} run ${runId}`, error);
  }
}

/** Who decides when `--by` is not given: the CI actor (GitHub Actions, GitLab CI), else the OS user. */
export function decider(env: NodeJS.ProcessEnv): string {
  for (const name of ['GITHUB_ACTOR', 'GITLAB_USER_LOGIN', 'BUILDKITE_BUILD_CREATOR', 'USER', 'LOGNAME']) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
