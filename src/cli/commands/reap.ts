import { Command } from 'commander';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import type { InputProblem } from '../../request/load';
import type { ReaperInput, ReaperReport } from '../../workflows/reaper';
import type { CommandContext } from '../context';
import { invalidInput, temporalError } from '../errors';
import { ExitCode } from '../exit-codes';
import { summarizeFailure } from '../failure-summary';
import { readSpec } from '../input/release-flags';
import { Flags, readFlags, requireFlags, taskQueueOf, type RawFlags } from '../options';
import { exitCodeOf, Outcome } from '../outcome';
import type { CommandOutput, RunLink } from '../results';
import { alreadyRunning, startWorkflow } from '../workflow-start';

/** The `reap` flags, one value each. */
export interface ReapFlags {
  spec?: string;
  dryRun?: boolean;
  now?: string;
  maxBuilderAgeHours?: string;
  taskQueue?: string;
}

/** `hybrid-deploy reap --spec F [--dry-run]` */
export function reapCommand(ctx: CommandContext): Command {
  return new Command('reap')
    .description("remove what deploys of the spec's app left behind in its regions: expired kept builders, orphaned builders, failed or abandoned images")
    .addOption(Flags.spec('the deploy spec (its app and regions are swept)'))
    .addOption(Flags.dryRun())
    .addOption(Flags.now())
    .addOption(Flags.maxBuilderAgeHours())
    .addOption(Flags.taskQueue())
    .action(async (raw: RawFlags<ReapFlags>) => {
      const { flags, problems } = readFlags(raw);
      ctx.finish(await runReap(ctx, reaperInput(flags, problems), flags));
    });
}

/** Checks the flags and the spec, all problems at once, before anything starts. */
export function reaperInput(flags: ReapFlags, problems: InputProblem[] = []): ReaperInput & { app: string } {
  requireFlags(flags, ['spec'], problems);
  if (flags.now !== undefined && Number.isNaN(Date.parse(flags.now))) problems.push({ path: '--now', message: `${JSON.stringify(flags.now)} is not an ISO time (e.g. 2030-01-01T00:00:00Z)` });
  const maxAge = flags.maxBuilderAgeHours === undefined ? undefined : Number(flags.maxBuilderAgeHours);
  if (maxAge !== undefined && !(maxAge >= 0)) problems.push({ path: '--max-builder-age-hours', message: `${JSON.stringify(flags.maxBuilderAgeHours)} is not a number of hours` });
  const spec = readSpec(flags.spec, problems);
  if (problems.length > 0 || !spec) throw invalidInput(`${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was started`, problems);
  return {
    app: spec.app,
    regions: spec.regions,
    dryRun: flags.dryRun ?? false,
    ...(flags.now ? { now: new Date(flags.now).toISOString() } : {}),
    ...(maxAge !== undefined ? { maxBuilderAgeHours: maxAge } : {}),
  };
}

/** Exit 0 with the report; 1 when the reaper failed; 3 when a reaper of the app is already running. */
export async function runReap(ctx: CommandContext, input: ReaperInput & { app: string }, flags: ReapFlags): Promise<CommandOutput> {
  const { app } = input;
  const workflowId = `reap/${app}`;
  const { client, namespace } = await ctx.temporal();
  const uiUrl = (runId: string) => ctx.uiUrl(namespace, workflowId, runId);
  let handle;
  try {
    handle = await startWorkflow(client, 'reaper', {
      args: [input],
      taskQueue: taskQueueOf(flags.taskQueue, ctx.env),
      workflowId,
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw temporalError(`cannot start ${workflowId}`, error);
    throw await alreadyRunning(client, workflowId, `a reaper of ${app}`, error, uiUrl);
  }
  const link: RunLink = { workflowId, runId: handle.firstExecutionRunId, uiUrl: uiUrl(handle.firstExecutionRunId) };
  ctx.renderer.progress({ type: 'note', message: `reaping ${app} in ${input.regions.join(', ')}${input.dryRun ? ' (dry run: nothing is removed)' : ''}: ${link.uiUrl}` });
  let report: ReaperReport;
  try {
    report = await handle.result();
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw temporalError(`lost track of ${workflowId}`, error);
    const { outcome, message, code } = summarizeFailure(error);
    return { exitCode: exitCodeOf(outcome), result: { kind: 'reap-finished', ...link, app, outcome, error: message, code } };
  }
  return { exitCode: ExitCode.OK, result: { kind: 'reap-finished', ...link, app, outcome: Outcome.SUCCEEDED, ...report } };
}
