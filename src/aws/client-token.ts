import { createHash } from 'node:crypto';

/**
 * Identifies one deploy run for idempotency: the workflow id plus its first run id, so a retried
 * or resumed step finds its earlier work, while the next deploy of the same app/env starts fresh.
 */
export interface RunKey {
  workflowId: string;
  runId: string;
}

function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/** A ClientToken (≤ 64 ASCII characters) for one step of one run, stable across retries. */
export function clientToken(run: RunKey, step: string): string {
  return `hd-${digest(run.workflowId, run.runId, step).slice(0, 60)}`;
}
