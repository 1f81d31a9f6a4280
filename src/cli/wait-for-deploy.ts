import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { DeployResult, DeployStatus } from '../workflows/messages';
import type { CommandContext } from './context';
import { queryFinalStatus, queryStatus } from './deploy-status';
import { temporalError } from './errors';
import { summarizeFailure, type FailureSummary } from './failure-summary';
import { whatRunsNow, type PendingActivity } from './pending-activities';

/** How often `--wait` asks the workflow for its progress, and how long one answer may take. */
export const PROGRESS_POLL_MS = 2_000;
const PROGRESS_QUERY_TIMEOUT_MS = 2_000;

/** How a followed deploy closed: its result, or what its failure says. */
export type ClosedDeploy = { result: DeployResult } | { failure: FailureSummary };

/**
 * Awaits the deploy's result; meanwhile reports, every poll, the answer of its `status` query
 * with what its pending activities' heartbeats say (or that it did not answer), as progress.
 */
export async function waitForDeploy(ctx: CommandContext, client: Client, handle: WorkflowHandle): Promise<ClosedDeploy> {
  let done = false;
  let wake: () => void = () => undefined;
  const poll = async () => {
    while (!done) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, PROGRESS_POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (done) return;
      const answer = await queryStatus(client, handle, PROGRESS_QUERY_TIMEOUT_MS);
      if (done) return;
      if (!('status' in answer)) {
        ctx.renderer.progress({ type: 'unanswered', elapsedSeconds: ctx.elapsedSeconds(), at: Date.now(), reason: answer.unanswered });
        continue;
      }
      const now = await whatRunsNowOrLess(client, handle, answer.status);
      if (done) return;
      ctx.renderer.progress({ type: 'status', elapsedSeconds: ctx.elapsedSeconds(), at: Date.now(), ...now });
    }
  };
  const poller = poll();
  try {
    return { result: (await handle.result()) as DeployResult };
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) {
      throw temporalError(`lost track of ${handle.workflowId} (it may still be running: hybrid-deploy status)`, error);
    }
    const failure = summarizeFailure(error);
    if (!failure.compensation) {
      // A cancellation carries no report; the workflow's state still has it while a worker can replay it.
      const answer = await queryFinalStatus(client, handle);
      if ('status' in answer && answer.status.compensation) failure.compensation = answer.status.compensation;
    }
    return { failure };
  } finally {
    done = true;
    wake();
    await poller;
  }
}

/** What the run is doing now ({@link whatRunsNow}); just its status when describe fails (progress never fails the wait). */
async function whatRunsNowOrLess(client: Client, handle: WorkflowHandle, status: DeployStatus): Promise<{ status: DeployStatus; pending: PendingActivity[] }> {
  try {
    return await whatRunsNow(client, await handle.describe(), status);
  } catch {
    return { status, pending: [] };
  }
}
