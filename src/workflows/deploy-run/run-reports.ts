import { isCancellation, log } from '@temporalio/workflow';
import type { Notification, NotifyEvent } from '../../contracts';
import type { DeployResult } from '../messages';
import type { DeployRun } from './deploy-run';
import { compensationReportedIn } from './failure-message';
import { recordRunEnd, type RunResult } from './run-metrics';

/**
 * What a run tells the outside world at its start and its end: a log line, the webhooks (see
 * {@link Notifier}) and, at the end, the metrics. Only the run kinds a person starts report; a
 * mutable deploy's rolling-sync children report through it.
 */
export function reportStart(run: DeployRun): void {
  if (!run.reportsItself) return;
  log.info('run started', { procedure: run.request.procedure, app: run.spec.app, env: run.request.env, version: run.request.version, regions: run.spec.regions });
  if (run.request.procedure !== 'bake') run.notifier.send('started');
}

/** Reports how the run ended (`error` unless it succeeded), then waits for every notification to be delivered or given up. */
export async function reportEnd(run: DeployRun, ending: { result: DeployResult | unknown } | { error: unknown }): Promise<void> {
  if (!run.reportsItself) return;
  const result = resultOf(run, ending);
  const seconds = (Date.now() - Date.parse(run.status.startedAt ?? new Date(Date.now()).toISOString())) / 1000;
  recordRunEnd(run.request.procedure, result, seconds);
  const event = eventOf(run, result);
  log.info('run ended', { procedure: run.request.procedure, result, seconds, ...(run.status.error ? { error: run.status.error } : {}) });
  run.notifier.send(event, detailsOf(run, ending, seconds));
  await run.notifier.flush();
}

/** `rolled-back`: a mutable deploy that failed once it had started changing instances (each region rolls back what it changed). */
function resultOf(run: DeployRun, ending: { result: unknown } | { error: unknown }): RunResult {
  if (!('error' in ending)) return 'succeeded';
  if (isCancellation(ending.error)) return 'cancelled';
  const startedChanging = Object.values(run.status.regions).some((region) => region.batchesTotal !== undefined);
  return run.request.procedure === 'mutable' && startedChanging ? 'rolled-back' : 'failed';
}

function eventOf(run: DeployRun, result: RunResult): NotifyEvent {
  if (run.request.procedure === 'bake') return result === 'succeeded' ? 'baked' : 'bake-failed';
  return result;
}

function detailsOf(run: DeployRun, ending: { result: unknown } | { error: unknown }, seconds: number): Partial<Notification> {
  const rounded = Math.round(seconds * 10) / 10;
  // A child run that failed (a region's rolling sync) undid its own work before the run's undo steps ran: its report comes first.
  if ('error' in ending) return { seconds: rounded, error: run.status.error, compensation: [...compensationReportedIn(ending.error), ...(run.status.compensation ?? [])] };
  const result = ending.result as Partial<DeployResult> | undefined;
  const regions = Array.isArray(result?.regions) ? result.regions : [];
  return { seconds: rounded, result: regions.map((r) => ({ region: r.region, ...(r.imageId ? { imageId: r.imageId } : {}), instanceIds: r.instanceIds })) };
}
