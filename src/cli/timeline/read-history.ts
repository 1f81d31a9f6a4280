import type { Client } from '@temporalio/client';
import { decodeArrayFromPayloads, decodeUserMetadata } from '@temporalio/common/lib/internal-non-workflow';
import { tsToMs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import { DEPLOY_LANE, markCriticalPath, type BarOutcome, type Timeline, type TimelineBar } from './timeline';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** At most this many runs are read for one timeline (a child that continued as new is several runs). */
const MAX_RUNS = 200;

/**
 * Reads a run's timeline from Temporal: its history, the histories of its child workflows
 * (a mutable deploy's rolling syncs, each possibly several runs chained by continue-as-new),
 * decoded with the client's data converter. Works for a running deploy too (its open work ends
 * "now", as `running`).
 */
export async function readTimeline(client: Client, workflowId: string, runId: string): Promise<Timeline> {
  const now = Date.now();
  const description = await client.workflow.getHandle(workflowId, runId).describe();
  const bars: TimelineBar[] = [];
  const queue: { workflowId: string; runId: string; lane?: string }[] = [{ workflowId, runId }];
  let endMs = description.closeTime?.getTime() ?? now;
  for (let read = 0; queue.length > 0 && read < MAX_RUNS; read++) {
    const run = queue.shift()!;
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    const found = await barsOf(client, run.workflowId, history.events ?? [], now, run.lane);
    bars.push(...found.bars);
    queue.push(...found.children);
    if (found.continuedAs) {
      queue.push({ workflowId: run.workflowId, runId: found.continuedAs, lane: run.lane });
      // The deploy itself went on in a new run: its timeline ends where the last one does.
      if (run.workflowId === workflowId) endMs = Math.max(endMs, found.lastEventMs);
    }
  }
  bars.sort((a, b) => a.scheduledMs - b.scheduledMs || a.id.localeCompare(b.id));
  markCriticalPath(bars);
  const lanes = [...new Set(bars.map((bar) => bar.lane))].sort((a, b) => Number(a === DEPLOY_LANE) - Number(b === DEPLOY_LANE));
  return {
    workflowId,
    runId,
    title: description.staticSummary ? await description.staticSummary() ?? description.type : description.type,
    startMs: description.startTime.getTime(),
    endMs,
    status: description.status.name === 'RUNNING' ? 'running' : description.status.name.toLowerCase().replace('_', '-'),
    lanes,
    bars,
  };
}

interface RunBars {
  bars: TimelineBar[];
  children: { workflowId: string; runId: string; lane?: string }[];
  continuedAs?: string;
  lastEventMs: number;
}

/** The bars of one run's history, and the child runs it started. */
async function barsOf(client: Client, workflowId: string, events: HistoryEvent[], now: number, inheritedLane?: string): Promise<RunBars> {
  const converter = client.options.loadedDataConverter;
  const byScheduledId = new Map<string, TimelineBar>();
  const byInitiatedId = new Map<string, TimelineBar>();
  const children: RunBars['children'] = [];
  let continuedAs: string | undefined;
  const at = (event: HistoryEvent) => tsToMs(event.eventTime);
  const close = (bar: TimelineBar | undefined, event: HistoryEvent, outcome: BarOutcome, failure?: string | null) => {
    if (!bar) return;
    bar.endMs = at(event);
    bar.outcome = outcome;
    if (failure) bar.failure = failure;
  };
  for (const event of events) {
    const id = String(event.eventId);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const input = (await decodeArrayFromPayloads(converter, scheduled.input?.payloads).catch(() => []))[0] as { region?: unknown } | undefined;
      const { staticSummary } = await decodeUserMetadata(converter, event.userMetadata).catch(() => ({ staticSummary: undefined }));
      const type = scheduled.activityType?.name ?? 'activity';
      byScheduledId.set(id, {
        id: `${workflowId}#${scheduled.activityId}`,
        kind: 'activity',
        lane: typeof input?.region === 'string' ? input.region : (inheritedLane ?? DEPLOY_LANE),
        label: typeof staticSummary === 'string' ? staticSummary : type,
        type,
        scheduledMs: at(event),
        endMs: now,
        attempts: 1,
        outcome: 'running',
        critical: false,
      });
      continue;
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const bar = byScheduledId.get(String(started.scheduledEventId));
      if (bar) {
        bar.startedMs = at(event);
        bar.attempts = started.attempt ?? 1;
      }
      continue;
    }
    if (event.activityTaskCompletedEventAttributes) close(byScheduledId.get(String(event.activityTaskCompletedEventAttributes.scheduledEventId)), event, 'completed');
    else if (event.activityTaskFailedEventAttributes) close(byScheduledId.get(String(event.activityTaskFailedEventAttributes.scheduledEventId)), event, 'failed', innermost(event.activityTaskFailedEventAttributes.failure));
    else if (event.activityTaskTimedOutEventAttributes) close(byScheduledId.get(String(event.activityTaskTimedOutEventAttributes.scheduledEventId)), event, 'timed-out', innermost(event.activityTaskTimedOutEventAttributes.failure));
    else if (event.activityTaskCanceledEventAttributes) close(byScheduledId.get(String(event.activityTaskCanceledEventAttributes.scheduledEventId)), event, 'cancelled');
    else if (event.startChildWorkflowExecutionInitiatedEventAttributes) {
      const initiated = event.startChildWorkflowExecutionInitiatedEventAttributes;
      const input = (await decodeArrayFromPayloads(converter, initiated.input?.payloads).catch(() => []))[0] as { region?: unknown } | undefined;
      const { staticSummary } = await decodeUserMetadata(converter, event.userMetadata).catch(() => ({ staticSummary: undefined }));
      const type = initiated.workflowType?.name ?? 'workflow';
      byInitiatedId.set(id, {
        id: `${workflowId}>${initiated.workflowId}`,
        kind: 'child',
        lane: typeof input?.region === 'string' ? input.region : DEPLOY_LANE,
        label: typeof staticSummary === 'string' ? staticSummary : `${type} ${initiated.workflowId}`,
        type,
        scheduledMs: at(event),
        endMs: now,
        attempts: 1,
        outcome: 'running',
        critical: false,
      });
    } else if (event.childWorkflowExecutionStartedEventAttributes) {
      const startedChild = event.childWorkflowExecutionStartedEventAttributes;
      const bar = byInitiatedId.get(String(startedChild.initiatedEventId));
      if (bar) bar.startedMs = at(event);
      const execution = startedChild.workflowExecution;
      if (execution?.workflowId && execution.runId) children.push({ workflowId: execution.workflowId, runId: execution.runId, lane: bar?.lane });
    } else if (event.childWorkflowExecutionCompletedEventAttributes) close(byInitiatedId.get(String(event.childWorkflowExecutionCompletedEventAttributes.initiatedEventId)), event, 'completed');
    else if (event.childWorkflowExecutionFailedEventAttributes) close(byInitiatedId.get(String(event.childWorkflowExecutionFailedEventAttributes.initiatedEventId)), event, 'failed', innermost(event.childWorkflowExecutionFailedEventAttributes.failure));
    else if (event.childWorkflowExecutionCanceledEventAttributes) close(byInitiatedId.get(String(event.childWorkflowExecutionCanceledEventAttributes.initiatedEventId)), event, 'cancelled');
    else if (event.childWorkflowExecutionTerminatedEventAttributes) close(byInitiatedId.get(String(event.childWorkflowExecutionTerminatedEventAttributes.initiatedEventId)), event, 'terminated');
    else if (event.childWorkflowExecutionTimedOutEventAttributes) close(byInitiatedId.get(String(event.childWorkflowExecutionTimedOutEventAttributes.initiatedEventId)), event, 'timed-out');
    else if (event.workflowExecutionContinuedAsNewEventAttributes) continuedAs = event.workflowExecutionContinuedAsNewEventAttributes.newExecutionRunId ?? undefined;
  }
  const last = events.at(-1);
  return { bars: [...byScheduledId.values(), ...byInitiatedId.values()], children, continuedAs, lastEventMs: last ? at(last) : now };
}

/** The innermost message of a failure chain: what actually went wrong. */
function innermost(failure: temporal.api.failure.v1.IFailure | null | undefined): string | undefined {
  let message: string | undefined;
  for (let current = failure; current; current = current.cause) if (current.message) message = current.message;
  return message;
}
