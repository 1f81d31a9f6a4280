import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure, type WorkflowFailedError } from '@temporalio/client';
import { ErrorCode } from './errors';
import { Outcome, type ClosedOutcome } from './outcome';

/** What a closed run's failure says: how it ended, a stable code, the innermost useful message, the undo report. */
export interface FailureSummary {
  outcome: Exclude<ClosedOutcome, 'succeeded'>;
  code: ErrorCode;
  message: string;
  compensation?: string[];
}

/** Reads a `WorkflowFailedError` (and its `cause` chain); anything else is not a deploy failure. */
export function summarizeFailure(error: WorkflowFailedError): FailureSummary {
  const chain: Error[] = [];
  for (let current: unknown = error.cause; current instanceof Error && chain.length < 20; current = current.cause) chain.push(current);
  const compensation = chain.map(compensationOf).find((report) => report !== undefined);
  const top = chain[0];
  if (top instanceof CancelledFailure) return { outcome: Outcome.CANCELLED, code: ErrorCode.DEPLOY_CANCELLED, message: 'cancelled', compensation };
  if (top instanceof TerminatedFailure) return { outcome: Outcome.TERMINATED, code: ErrorCode.DEPLOY_TERMINATED, message: `terminated: ${top.message}`, compensation };
  if (top instanceof TimeoutFailure) return { outcome: Outcome.TIMED_OUT, code: ErrorCode.DEPLOY_TIMED_OUT, message: `timed out: ${top.message}`, compensation };
  const innermost = [...chain].reverse().find((e) => e.message)?.message ?? error.message;
  return { outcome: Outcome.FAILED, code: ErrorCode.DEPLOY_FAILED, message: innermost, compensation };
}

/** The compensation report `runDeploy` attaches to its failure's details, if this error carries one. */
function compensationOf(error: Error): string[] | undefined {
  if (!(error instanceof ApplicationFailure) && !(error instanceof CancelledFailure)) return undefined;
  const first = error.details?.[0] as { compensation?: unknown } | undefined;
  const report = first?.compensation;
  return Array.isArray(report) && report.every((line) => typeof line === 'string') ? report : undefined;
}
