import { ApplicationFailure, log } from '@temporalio/workflow';
import { approveCommand, describeWaiting, type WaitingFleet } from '../../contracts';
import type { DeployRun } from '../deploy-run/deploy-run';
import { recordApprovalWait } from '../deploy-run/run-metrics';
import type { NewFleet } from './launch-fleet';

/** How long a deploy waits for a decision when the spec does not say (a working day's morning). */
export const DEFAULT_APPROVAL_TIMEOUT_HOURS = 4;

/** Whether this deploy waits for a person before traffic moves: `--require-approval`, or the spec's `approval.required`. */
export function approvalRequired(run: DeployRun): boolean {
  // A spec from before the gate existed has no `approval`.
  return run.request.procedure !== 'bake' && (run.request.requireApproval === true || run.spec.approval?.required === true);
}

/**
 * The manual approval gate, before traffic moves: immutable and partial deploys reach it once
 * every region's new fleet passed its post-deploy tasks and smoke test (they run, cost money and
 * serve nothing yet); a mutable deploy once the first batch of every region was updated, verified
 * and put back in service (a canary). It waits for `hybrid-deploy approve` (the `approve` Update)
 * until `approval.timeoutHours`; a rejection or a timeout fails the deploy, which then compensates
 * exactly as after any failure. Without approval required it does nothing at all (no timer, no
 * history event), so deploys that do not ask for it run as before.
 */
export async function waitForApproval(run: DeployRun, waiting: WaitingFleet): Promise<void> {
  if (!approvalRequired(run)) return;
  const timeoutHours = run.spec.approval?.timeoutHours ?? DEFAULT_APPROVAL_TIMEOUT_HOURS;
  const startedAt = Date.now();
  run.phase('waiting-for-approval');
  for (const region of Object.keys(run.status.regions)) run.region(region, { phase: 'waiting-for-approval' });
  run.notifier.send('waiting-for-approval', {
    approval: {
      deadline: new Date(startedAt + timeoutHours * 3_600_000).toISOString(),
      waiting: describeWaiting(waiting),
      approveCommand: approveCommand(run.spec.app, run.request.env),
    },
  });
  const decision = await run.approvals.wait(waiting, timeoutHours);
  const outcome = decision ? (decision.approved ? 'approved' : 'rejected') : 'timed-out';
  recordApprovalWait(run.request.procedure, outcome, (Date.now() - startedAt) / 1000);
  log.info('approval gate closed', { outcome, ...(decision ? { by: decision.by } : {}) });
  if (!decision) {
    throw ApplicationFailure.create({ type: 'ApprovalTimedOut', nonRetryable: true, message: `nobody approved the deploy within ${timeoutHours}h (approval.timeoutHours)` });
  }
  if (!decision.approved) {
    throw ApplicationFailure.create({ type: 'DeployRejected', nonRetryable: true, message: `rejected by ${decision.by} at ${decision.at}: ${decision.reason ?? ''}` });
  }
}

/** What immutable and partial deploys hold at the gate: every region's new fleet, running since the first launch ended. */
export function newFleetsWaiting(fleets: NewFleet[]): WaitingFleet {
  const since = fleets.map((f) => f.launchedAt).sort()[0] ?? new Date(Date.now()).toISOString();
  return { kind: 'new-fleets', instanceIds: fleets.flatMap((f) => f.instances.map((i) => i.instanceId)), since };
}
