import type { Client } from '@temporalio/client';

/** A history event's time in ms since the epoch. */
function eventMs(time: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!time) return 0;
  return Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
}

/** When the deploy moved again after `since`, read from its history (and its children's). */
export interface Resumption {
  /** The first activity that completed after `since` (a worker did AWS work again). */
  activityCompletedAt?: number;
  activity?: string;
  /** Which attempt of it completed (2 or more: the attempt the dead worker held was retried). */
  attempt?: number;
  /** The first workflow task completed after that activity: the workflow acted on the result (scheduled its next step). */
  workflowActedAt?: number;
}

/** Every workflow id a deploy is made of: the deploy and its per-region children (mutable). */
async function workflowIds(client: Client, workflowId: string): Promise<string[]> {
  const ids = [workflowId];
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  for (const event of history.events ?? []) {
    const child = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    if (child && !ids.includes(child)) ids.push(child);
  }
  return ids;
}

/**
 * Reads the histories of a deploy (and its children) after the fact: the first
 * ActivityTaskCompleted after `since`, and the first WorkflowTaskCompleted after that in the
 * same history. Server and harness share the machine's clock.
 */
export async function resumptionAfter(client: Client, workflowId: string, since: number): Promise<Resumption> {
  let best: Resumption = {};
  for (const id of await workflowIds(client, workflowId)) {
    const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
    const scheduled = new Map<string, string>();
    const attempts = new Map<string, number>();
    for (const event of events) {
      const attrs = event.activityTaskScheduledEventAttributes;
      if (attrs) scheduled.set(String(event.eventId), attrs.activityType?.name ?? '?');
      const started = event.activityTaskStartedEventAttributes;
      if (started) attempts.set(String(event.eventId), started.attempt ?? 1);
    }
    const index = events.findIndex((e) => e.activityTaskCompletedEventAttributes && eventMs(e.eventTime) >= since);
    if (index < 0) continue;
    const completedAt = eventMs(events[index].eventTime);
    if (best.activityCompletedAt !== undefined && best.activityCompletedAt <= completedAt) continue;
    const acted = events.slice(index + 1).find((e) => e.workflowTaskCompletedEventAttributes);
    const completed = events[index].activityTaskCompletedEventAttributes!;
    best = {
      activityCompletedAt: completedAt,
      activity: scheduled.get(String(completed.scheduledEventId)),
      attempt: attempts.get(String(completed.startedEventId)),
      workflowActedAt: acted ? eventMs(acted.eventTime) : undefined,
    };
  }
  return best;
}
