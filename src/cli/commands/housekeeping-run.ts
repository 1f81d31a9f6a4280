import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import type { DeploySpec } from '../../contracts';
import type { InputProblem } from '../../request/load';
import type { HousekeepingInput, HousekeepingReport } from '../../workflows/housekeeping';
import type { CommandContext } from '../context';
import { invalidInput, temporalError } from '../errors';
import { ExitCode } from '../exit-codes';
import { summarizeFailure } from '../failure-summary';
import { readSpec } from '../input/release-flags';
import { requireFlags, taskQueueOf } from '../options';
import { exitCodeOf, Outcome } from '../outcome';
import type { CommandOutput, RunLink } from '../results';
import { alreadyRunning, startWorkflow } from '../workflow-start';

/** The flags `images` and `housekeeping` share. */
export interface CatalogFlags {
  spec?: string;
  now?: string;
  taskQueue?: string;
}

/** The spec and `--now`, checked (every problem at once) before anything starts. */
export function readCatalogFlags(flags: CatalogFlags, problems: InputProblem[], what: string): { spec: DeploySpec; now?: string } {
  requireFlags(flags, ['spec'], problems);
  if (flags.now !== undefined && Number.isNaN(Date.parse(flags.now))) problems.push({ path: '--now', message: `${JSON.stringify(flags.now)} is not an ISO time (e.g. 2030-01-01T00:00:00Z)` });
  const spec = readSpec(flags.spec, problems);
  if (problems.length > 0 || !spec) throw invalidInput(`${problems.length} problem${problems.length === 1 ? '' : 's'}; no ${what} was started`, problems);
  return { spec, ...(flags.now ? { now: new Date(flags.now).toISOString() } : {}) };
}

/** The housekeeping input of a spec. */
export function housekeepingInput(spec: DeploySpec, options: { dryRun?: boolean; listOnly?: boolean; now?: string }): HousekeepingInput {
  return { app: spec.app, regions: spec.regions, policy: spec.retention, ...options };
}

/**
 * Runs one housekeeping workflow now and waits for its report: exit 0 with it, 1 when it
 * failed, 3 when one of the app is already running. A listing (`images`) runs under its own id,
 * so it never waits behind a sweep.
 */
export async function runHousekeepingNow(ctx: CommandContext, input: HousekeepingInput, taskQueue: string | undefined): Promise<{ link: RunLink; report?: HousekeepingReport; failed?: CommandOutput }> {
  const workflowId = `${input.listOnly ? 'images' : 'housekeeping'}/${input.app}`;
  const { client, namespace } = await ctx.temporal();
  const uiUrl = (runId: string) => ctx.uiUrl(namespace, workflowId, runId);
  let handle;
  try {
    handle = await startWorkflow(client, 'housekeeping', {
      args: [input],
      taskQueue: taskQueueOf(taskQueue, ctx.env),
      workflowId,
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      staticSummary: `${input.listOnly ? 'image catalog' : 'housekeeping'} of ${input.app}${input.dryRun && !input.listOnly ? ' (dry run)' : ''}`,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw temporalError(`cannot start ${workflowId}`, error);
    throw await alreadyRunning(client, workflowId, `${input.listOnly ? 'a listing' : 'housekeeping'} of ${input.app}`, error, uiUrl);
  }
  const link: RunLink = { workflowId, runId: handle.firstExecutionRunId, uiUrl: uiUrl(handle.firstExecutionRunId) };
  try {
    return { link, report: await handle.result() };
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw temporalError(`lost track of ${workflowId}`, error);
    const { outcome, message, code } = summarizeFailure(error);
    return { link, failed: { exitCode: exitCodeOf(outcome), result: { kind: 'housekeeping-finished', ...link, app: input.app, outcome, error: message, code } } };
  }
}

/** The report of a finished run as the CLI's result. */
export function housekeepingFinished(link: RunLink, report: HousekeepingReport): CommandOutput {
  return { exitCode: ExitCode.OK, result: { kind: 'housekeeping-finished', ...link, app: report.app, outcome: Outcome.SUCCEEDED, report } };
}
