import { Command } from 'commander';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import type { ReapedResource } from '../../contracts';
import { InvalidInputError, loadDeploySpec } from '../../request/load';
import { TASK_QUEUE } from '../../task-queue';
import type { ReaperInput, ReaperReport } from '../../workflows/reaper';
import type { CommandContext } from '../context';
import { summarizeFailure, temporalError } from '../deploys';
import { CliError, ErrorCode, Fault, invalidInput } from '../errors';
import { ExitCode } from '../exit-codes';

export interface ReapOptions {
  spec?: string;
  dryRun?: boolean;
  now?: string;
  maxBuilderAgeHours?: string;
  json?: boolean;
  taskQueue?: string;
  debug?: boolean;
}

/** `hybrid-deploy reap --spec F [--dry-run]` */
export function reapCommand(ctx: CommandContext): Command {
  return new Command('reap')
    .description("remove what deploys of the spec's app left behind in its regions: expired kept builders, orphaned builders, failed or abandoned images")
    .option('--spec <file>', 'the deploy spec (its app and regions are swept)')
    .option('--dry-run', 'report what would be removed; remove nothing')
    .option('--now <iso-time>', 'judge expiry and age as of this time instead of now (e.g. to check a TTL)')
    .option('--max-builder-age-hours <n>', 'a builder with no expiry older than this, whose deploy is not running, is an orphan (default 24)')
    .option('--json', 'print one JSON document on stdout')
    .option('--task-queue <queue>', `the workers' task queue (default: $HYBRID_DEPLOY_TASK_QUEUE or ${TASK_QUEUE})`)
    .option('--debug', 'show stack traces')
    .action(async (options: ReapOptions) => {
      ctx.exitCode = await runReap(ctx, options);
    });
}

/** Checks the flags and the spec, all problems at once, before anything starts. */
function reaperInput(options: ReapOptions): ReaperInput {
  const problems: { path: string; message: string }[] = [];
  if (!options.spec) problems.push({ path: '--spec', message: 'is required' });
  if (options.now !== undefined && Number.isNaN(Date.parse(options.now))) problems.push({ path: '--now', message: `${JSON.stringify(options.now)} is not an ISO time (e.g. 2030-01-01T00:00:00Z)` });
  const maxAge = options.maxBuilderAgeHours === undefined ? undefined : Number(options.maxBuilderAgeHours);
  if (maxAge !== undefined && !(maxAge >= 0)) problems.push({ path: '--max-builder-age-hours', message: `${JSON.stringify(options.maxBuilderAgeHours)} is not a number of hours` });
  let spec;
  if (options.spec) {
    try {
      spec = loadDeploySpec(options.spec);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      problems.push(...error.problems.map((p) => ({ path: p.path ? `${options.spec}: ${p.path}` : options.spec!, message: p.message })));
    }
  }
  if (problems.length > 0 || !spec) throw invalidInput(`${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was started`, problems);
  return {
    app: spec.app,
    regions: spec.regions,
    dryRun: options.dryRun ?? false,
    ...(options.now ? { now: new Date(options.now).toISOString() } : {}),
    ...(maxAge !== undefined ? { maxBuilderAgeHours: maxAge } : {}),
  };
}

/** Exit 0 with the report; 1 when the reaper failed; 3 when a reaper of the app is already running. */
export async function runReap(ctx: CommandContext, options: ReapOptions): Promise<number> {
  const input = reaperInput(options);
  const taskQueue = options.taskQueue || ctx.env.HYBRID_DEPLOY_TASK_QUEUE || TASK_QUEUE;
  const workflowId = `reap/${input.app}`;
  const { client, namespace } = await ctx.temporal();
  let handle;
  try {
    handle = await client.workflow.start('reaper', { args: [input], taskQueue, workflowId, workflowIdConflictPolicy: 'FAIL', workflowIdReusePolicy: 'ALLOW_DUPLICATE' });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw temporalError(`cannot start ${workflowId}`, error);
    throw new CliError(ErrorCode.DEPLOY_CONFLICT, `a reaper of ${input.app} is already running: workflow ${workflowId}`, { exitCode: ExitCode.CONFLICT, fault: Fault.USER, data: { workflowId }, cause: error });
  }
  const uiUrl = ctx.uiUrl(namespace, workflowId, handle.firstExecutionRunId);
  ctx.err(`reaping ${input.app} in ${input.regions.join(', ')}${input.dryRun ? ' (dry run: nothing is removed)' : ''}: ${uiUrl}`);
  let report: ReaperReport;
  try {
    report = await handle.result();
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw temporalError(`lost track of ${workflowId}`, error);
    const failure = summarizeFailure(error);
    if (options.json) ctx.json({ workflowId, runId: handle.firstExecutionRunId, uiUrl, error: failure.message, code: failure.code });
    ctx.err(`error [${failure.code}]: the reaper ${failure.kind}: ${failure.message}`);
    return ExitCode.DEPLOY_FAILED;
  }
  if (options.json) {
    ctx.json({ workflowId, runId: handle.firstExecutionRunId, uiUrl, ...report });
    return ExitCode.OK;
  }
  const verb = report.dryRun ? 'would remove' : 'removed';
  if (report.removed.length === 0) ctx.out(`nothing to remove (as of ${report.now})`);
  for (const r of report.removed) ctx.out(line(verb, r));
  return ExitCode.OK;
}

function line(verb: string, r: ReapedResource): string {
  return `${verb} ${r.kind} ${r.id} in ${r.region}${r.name ? ` (${r.name})` : ''}: ${r.reason}`;
}
