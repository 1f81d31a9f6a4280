import { continueAsNew, getExternalWorkflowHandle, patched, workflowInfo } from '@temporalio/workflow';
import type { BatchPlan, DeployRequest, FleetMember, UpdatedInstance } from '../contracts';
import { runDeploy, type DeployRun } from './deploy-run/deploy-run';
import { rolloutProgressSignal } from './messages';
import { rollBack } from './steps/roll-back';
import { syncBatch } from './steps/sync-batch';

/** One region's share of a mutable deploy. */
export interface RollingSyncInput {
  request: DeployRequest;
  region: string;
  members: FleetMember[];
  plan: BatchPlan;
  /** The first batch this run does (a run that continued as new picks up here). */
  nextBatch: number;
  /** Stop before this batch (a mutable deploy's canary does only the first); default: every batch of the plan. */
  untilBatch?: number;
  /** Instances earlier runs updated, to roll back if a later batch fails. */
  updated: UpdatedInstance[];
  /** `rollback`: put `updated` back on their previous releases (another region failed). */
  mode?: 'rollout' | 'rollback';
}

/** What a region's rolling sync returns: every instance it changed, with its previous release. */
export interface RollingSyncResult {
  region: string;
  updated: UpdatedInstance[];
}

const DEFAULT_HISTORY_EVENTS_PER_RUN = 2_000;

/**
 * The rolling sync of one region's live fleet, in batches; a child workflow of
 * `mutableDeploy`. It continues as new whenever its history grows past a budget, carrying
 * the list of updated instances, so a fleet of any size never approaches Temporal's history
 * limit. On failure or cancellation it rolls back every instance it (or an earlier run) changed.
 */
export async function rollingSync(input: RollingSyncInput): Promise<RollingSyncResult> {
  return runDeploy(input.request, async (run) => {
    const { region, plan } = input;
    const updated = [...input.updated];
    if (input.mode === 'rollback') {
      run.phase('rolling-back');
      await rollBack(run, region, input.updated, plan.batchSize);
      return { region, updated: [] };
    }
    if (input.updated.length > 0) {
      run.compensations.add(`roll back ${input.updated.length} instance(s) updated by earlier runs in ${region}`, () =>
        rollBack(run, region, input.updated, plan.batchSize),
      );
    }
    run.phase('syncing');
    const budget = input.request.limits?.historyEventsPerRun ?? DEFAULT_HISTORY_EVENTS_PER_RUN;
    // The last progress report, still on its way to the parent: the run ends only once it arrived.
    let reported = Promise.resolve();
    const until = Math.min(input.untilBatch ?? plan.batches, plan.batches);
    for (let batch = input.nextBatch; batch < until; batch++) {
      if (batch > input.nextBatch && (workflowInfo().historyLength > budget || workflowInfo().continueAsNewSuggested)) {
        await reported;
        await continueAsNew<typeof rollingSync>({ ...input, nextBatch: batch, updated });
      }
      const members = input.members.slice(batch * plan.batchSize, (batch + 1) * plan.batchSize);
      updated.push(...(await syncBatch(run, region, members, `batch ${batch + 1}/${plan.batches}`)));
      reported = (await reportProgress(run, input, batch + 1, updated.length)).arrived;
    }
    await reported;
    return { region, updated };
  });
}

/** Tells the parent how far the rollout is; resolves with the signal still on its way (`arrived`, see below). */
async function reportProgress(run: DeployRun, input: RollingSyncInput, batchesDone: number, updated: number): Promise<{ arrived: Promise<void> }> {
  run.region(input.region, { phase: 'syncing', batchesDone, batchesTotal: input.plan.batches, updated });
  const parent = workflowInfo().parent;
  if (!parent) return { arrived: Promise.resolve() };
  const sent = getExternalWorkflowHandle(parent.workflowId, parent.runId)
    .signal(rolloutProgressSignal, { region: input.region, phase: 'syncing', batchesDone, batchesTotal: input.plan.batches, updated })
    // Progress is for people watching; losing one report must not fail the rollout.
    .catch(() => undefined);
  // The next batch need not wait for the parent to have heard: awaiting the signal cost every
  // batch a workflow-task round trip. Runs recorded before this change replay awaiting it.
  if (patched('progress-signal-in-background')) return { arrived: sent };
  await sent;
  return { arrived: Promise.resolve() };
}
