import { Command } from 'commander';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { deployWorkflowId } from '../../contracts';
import { readCommandLogs, requestOfRun } from '../command-logs';
import type { CommandContext } from '../context';
import { CliError, ErrorCode, Fault, invalidInput, temporalError } from '../errors';
import { ExitCode } from '../exit-codes';
import { Flags, readFlags, type RawFlags } from '../options';
import type { CommandOutput } from '../results';
import { checkTarget } from '../target';

interface LogsFlags {
  run?: string;
  instance?: string;
  step?: string;
}

const STEPS = ['bake', 'sync', 'post-deploy', 'rollback'];

/** `hybrid-deploy logs <app> <env> [--run ID] [--instance I] [--step S]` */
export function logsCommand(ctx: CommandContext): Command {
  return new Command('logs')
    .description("print the whole output of the commands a deploy ran on instances (sync, bake, post-deploy, rollback), kept in the spec's commandOutput bucket")
    .argument('<app>')
    .argument('<env>')
    .addOption(Flags.run())
    .addOption(Flags.instance())
    .addOption(Flags.step())
    .action(async (app: string, env: string, raw: RawFlags<LogsFlags>) => {
      ctx.finish(await runLogs(ctx, app, env, raw));
    });
}

/**
 * Reads the run's request (from its history: the spec names the bucket), then every output it
 * kept. Exit 0 with what was found (possibly nothing yet, for a deploy that just started); exit 2
 * when the run kept none (no `commandOutput` in its spec) or does not exist.
 */
export async function runLogs(ctx: CommandContext, app: string, env: string, raw: RawFlags<LogsFlags>): Promise<CommandOutput> {
  checkTarget(app, env);
  const { flags, problems } = readFlags(raw);
  if (flags.step && !STEPS.includes(flags.step)) problems.push({ path: '--step', message: `${JSON.stringify(flags.step)} is not a step (${STEPS.join(', ')})` });
  if (flags.instance && !/^(i|mi)-[0-9a-f]{8,17}$/.test(flags.instance)) problems.push({ path: '--instance', message: `${JSON.stringify(flags.instance)} is not an instance id (e.g. i-0123456789abcdef0)` });
  if (flags.run && !/^[0-9a-f-]{36}$/i.test(flags.run)) problems.push({ path: '--run', message: `${JSON.stringify(flags.run)} is not a run id (a UUID, as deploy and status print it)` });
  if (problems.length > 0) throw invalidInput('the logs input is invalid', problems);

  const { client, namespace } = await ctx.temporal();
  const { workflowId, runId } = await findRun(client, app, env, flags.run);
  let request;
  try {
    request = await requestOfRun(client, namespace, workflowId, runId);
  } catch (error) {
    throw temporalError(`cannot read the start of ${workflowId} run ${runId}`, error);
  }
  if (!request?.spec?.commandOutput) {
    throw new CliError(
      ErrorCode.NO_COMMAND_OUTPUT,
      `${workflowId} run ${runId} kept no command output: its spec has no commandOutput (SSM returned only the first 24,000 characters of each command's stdout, 8,000 of stderr; set commandOutput.s3Bucket to keep it all)`,
      { exitCode: ExitCode.INVALID_INPUT, fault: Fault.USER, data: { workflowId, runId } },
    );
  }
  const logs = await readCommandLogs(ctx.env, request, runId, { instance: flags.instance, step: flags.step });
  return { exitCode: ExitCode.OK, result: { kind: 'command-logs', ...logs } };
}

/** The run: the given one (a deploy's, or a bake's), or the latest deploy. */
async function findRun(client: Client, app: string, env: string, run: string | undefined): Promise<{ workflowId: string; runId: string }> {
  const candidates = run ? [deployWorkflowId(app, env), deployWorkflowId(app, env, 'bake')] : [deployWorkflowId(app, env)];
  for (const workflowId of candidates) {
    try {
      const description = await client.workflow.getHandle(workflowId, run).describe();
      return { workflowId, runId: description.runId };
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw temporalError(`cannot describe ${workflowId}`, error);
    }
  }
  const what = run ? `no deploy or bake of ${app}/${env} has run ${run}` : `no deploy of ${app}/${env} found`;
  throw new CliError(ErrorCode.DEPLOY_NOT_FOUND, what, { exitCode: ExitCode.INVALID_INPUT, fault: Fault.USER });
}
