import { ApplicationFailure } from '@temporalio/workflow';

/** The most useful message of a Temporal failure chain: the innermost cause says what went wrong. */
export function describe(error: Error): string {
  let current: Error | undefined = error;
  let message = error.message;
  while (current) {
    if (current.message) message = current.message;
    current = (current as { cause?: Error }).cause;
  }
  return message;
}

/**
 * The undo report a failed child run (a region's rolling sync, say) carries in its failure (see
 * `runDeploy`): the child undid its own work before failing, so its report belongs in the parent's.
 */
export function compensationReportedIn(error: unknown): string[] {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (current instanceof ApplicationFailure && current.type === 'DeployFailed') {
      const report = (current.details?.[0] as { compensation?: unknown } | undefined)?.compensation;
      if (Array.isArray(report)) return report.filter((step): step is string => typeof step === 'string');
    }
  }
  return [];
}
