import type { WorkflowExecutionStatusName } from '@temporalio/client';
import { ExitCode } from './exit-codes';

/**
 * How a deploy (or bake, or reaper run) stands, in one word that `status`, `deploy --wait` and
 * `cancel --wait` all use, in text and in `--json`.
 */
export const Outcome = {
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed-out',
  RUNNING: 'running',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];
/** An outcome of a run that has closed. */
export type ClosedOutcome = Exclude<Outcome, 'running'>;

/** The outcome Temporal's execution status says; a paused or continued run has not finished. */
export function outcomeOfExecution(status: WorkflowExecutionStatusName): Outcome {
  switch (status) {
    case 'COMPLETED':
      return Outcome.SUCCEEDED;
    case 'FAILED':
      return Outcome.FAILED;
    case 'CANCELLED':
      return Outcome.CANCELLED;
    case 'TERMINATED':
      return Outcome.TERMINATED;
    case 'TIMED_OUT':
      return Outcome.TIMED_OUT;
    default:
      return Outcome.RUNNING;
  }
}

/** The exit code of an outcome, the same for every command that reports one. */
export function exitCodeOf(outcome: Outcome): ExitCode {
  switch (outcome) {
    case Outcome.SUCCEEDED:
      return ExitCode.OK;
    case Outcome.FAILED:
      return ExitCode.DEPLOY_FAILED;
    case Outcome.RUNNING:
      return ExitCode.DEPLOY_RUNNING;
    default:
      return ExitCode.DEPLOY_STOPPED;
  }
}

/** `timed-out` → `timed out`, for sentences. */
export function outcomeWords(outcome: Outcome): string {
  return outcome.replace('-', ' ');
}
