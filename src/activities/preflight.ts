import { ApplicationFailure } from '@temporalio/common';
import { runPreflight } from '../preflight';
import type { ActivityDeps } from './deps';
import type { PreflightInput, PreflightOutput } from '../contracts';

/**
 * The first step of every procedure, before anything is created: checks what the run will rely
 * on (see `runPreflight`) and fails non-retryable (`PreflightFailed`) listing every problem with
 * its spec field and the fix, so a wrong subnet or a missing profile costs seconds, not a
 * half-made deploy and a ten-minute timeout. `hybrid-deploy check` runs the same checks from CI.
 */
export function createPreflight({ clients }: ActivityDeps) {
  return async function preflight(input: PreflightInput): Promise<PreflightOutput> {
    const report = await runPreflight(clients, input);
    if (report.problems.length > 0) {
      throw ApplicationFailure.create({
        type: 'PreflightFailed',
        nonRetryable: true,
        message: `preflight found ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}, nothing was created: ${report.problems.map((p) => `${p.path}: ${p.message}`).join(' | ')}`,
        details: [{ problems: report.problems }],
      });
    }
    return { checked: report.checked, unchecked: report.unchecked };
  };
}
