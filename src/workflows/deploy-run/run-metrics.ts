import { metricMeter } from '@temporalio/workflow';
import type { Toolset } from './toolset';

/**
 * The deploy's own metrics, emitted through the workflow's metric meter: the worker exports them
 * beside the SDK's on its Prometheus endpoint, and a replayed workflow task emits nothing again,
 * so nothing is counted twice. The meter adds `namespace`, `task_queue` and `workflow_type`.
 */
// Made when used, inside the workflow's context (the meter tags each value with the run's workflow type).
const deploys = () => metricMeter.createCounter('hybrid_deploy_deploys_total', 'deploys', 'Deploys and bakes that ended, by procedure and result');
const deploySeconds = () => metricMeter.createHistogram('hybrid_deploy_deploy_duration_seconds', 'float', 's', 'How long deploys and bakes took, start to end, by procedure and result');
const stepSeconds = () =>
  metricMeter.createHistogram(
    'hybrid_deploy_step_duration_seconds',
    'float',
    's',
    'How long each step took as the workflow saw it (retries and their backoff included), by activity, region and result',
  );
const approvalSeconds = () => metricMeter.createHistogram('hybrid_deploy_approval_wait_seconds', 'float', 's', 'How long deploys waited at the approval gate, by decision');
const notifications = () => metricMeter.createCounter('hybrid_deploy_notifications_total', 'notifications', 'Webhook notifications, by event, format and result (delivered or failed after retries)');

/** How a run ended, as the metrics and the notifications name it. */
export type RunResult = 'succeeded' | 'failed' | 'rolled-back' | 'cancelled';

/** Counts a run that ended, and how long it took. */
export function recordRunEnd(procedure: string, result: RunResult, seconds: number): void {
  deploys().add(1, { procedure, result });
  deploySeconds().record(seconds, { procedure, result });
}

/** Records how long the approval gate held a deploy, and what was decided (`approved`, `rejected`, `timed-out`). */
export function recordApprovalWait(procedure: string, decision: string, seconds: number): void {
  approvalSeconds().record(seconds, { procedure, decision });
}

/** Counts a webhook delivery. */
export function recordNotification(event: string, format: string, result: 'delivered' | 'failed'): void {
  notifications().add(1, { event, format, result });
}

/**
 * The toolset, timing every step that acts in a region (its input names one): from the workflow's
 * scheduling of the activity to its result, retries included, labelled with the activity's name,
 * the region and whether it succeeded.
 */
export function measureSteps(tools: Toolset, procedure: string): Toolset {
  const measured = {} as Record<string, (input: unknown, summary: string) => Promise<unknown>>;
  for (const [activity, tool] of Object.entries(tools) as [string, (input: unknown, summary: string) => Promise<unknown>][]) {
    measured[activity] = async (input, summary) => {
      const region = (input as { region?: unknown }).region;
      if (typeof region !== 'string') return tool(input, summary);
      const started = Date.now();
      let result = 'failed';
      try {
        const output = await tool(input, summary);
        result = 'ok';
        return output;
      } finally {
        stepSeconds().record((Date.now() - started) / 1000, { procedure, activity, region, result });
      }
    };
  }
  return measured as Toolset;
}
