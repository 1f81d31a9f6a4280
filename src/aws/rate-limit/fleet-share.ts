/**
 * One AWS budget for the whole fleet of workers. AWS throttles per account and region, whatever
 * the number of callers; each worker's limiter is in its own process, so three workers with the
 * full budget each would spend three times what AWS allows. Each worker therefore takes
 * 1/n of every bucket, n being the workers Temporal sees polling the task queue: the fleet's
 * membership comes from the one service every worker already shares, so there is nothing else
 * to run or configure, and adding workers never adds budget.
 *
 * Why not the alternatives: Temporal's server-side task-queue rate limit
 * (`maxTaskQueueActivitiesPerSecond`) counts activity starts, not AWS calls (a wait makes dozens
 * of calls, a lookup one); per-region task queues still need a limiter per worker; a shared token
 * server would be one more stateful service to run. The cost of this one: a worker that joins is
 * counted by the others within `everyMs` (until then the fleet may briefly exceed the budget, by
 * at most the refill of that interval, which AWS's bucket capacity and the SDK's retries absorb;
 * a worker also recounts within its first seconds, so workers started together find each other fast),
 * and a worker that left is still counted for `STALE_POLLER_MS` (the fleet spends less, never more).
 */
import { temporal } from '@temporalio/proto';
import type { NativeConnection } from '@temporalio/worker';
import type { RateLimiter } from './limiter';

/** How often a worker recounts the fleet. */
export const FLEET_RECOUNT_MS = 10_000;

/** Recounts in a worker's first seconds, when workers started together must find each other before they spend much. */
const STARTUP_RECOUNTS_MS = [500, 1_000, 2_000, 4_000];

/**
 * A poller Temporal last heard from longer ago than this has left. Idle pollers long-poll for up
 * to about a minute, so a live worker can look that old.
 */
export const STALE_POLLER_MS = 90_000;

/** What a worker needs to count its fleet. */
export interface FleetShareOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  limiter: RateLimiter;
  everyMs?: number;
  /** Told of every change of the fleet's size, and of a recount that failed (the share then stays). */
  onChange?: (workers: number) => void;
  onError?: (error: unknown) => void;
}

/** The workers polling a task queue for activities, by distinct identity, heard from within {@link STALE_POLLER_MS}. */
export async function countFleet(connection: NativeConnection, namespace: string, taskQueue: string, now = Date.now()): Promise<number> {
  const response = await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  const live = new Set<string>();
  for (const poller of response.pollers ?? []) {
    const seconds = Number(poller.lastAccessTime?.seconds ?? 0);
    if (now - seconds * 1000 <= STALE_POLLER_MS) live.add(poller.identity ?? '');
  }
  return live.size;
}

/**
 * Keeps `limiter` at 1/n of the budget, n recounted every `everyMs` (at least 1: this worker, even
 * before Temporal lists it). Returns a function that stops recounting.
 */
export function shareBudgetWithFleet(options: FleetShareOptions): () => void {
  let workers = 1;
  let stopped = false;
  const recount = async () => {
    try {
      const counted = Math.max(1, await countFleet(options.connection, options.namespace, options.taskQueue));
      if (stopped || counted === workers) return;
      workers = counted;
      options.limiter.setShare(1 / workers);
      options.onChange?.(workers);
    } catch (error) {
      options.onError?.(error);
    }
  };
  void recount();
  const every = options.everyMs ?? FLEET_RECOUNT_MS;
  const early = STARTUP_RECOUNTS_MS.filter((ms) => ms < every).map((ms) => setTimeout(() => void recount(), ms).unref());
  const timer = setInterval(() => void recount(), every);
  timer.unref();
  return () => {
    stopped = true;
    early.forEach(clearTimeout);
    clearInterval(timer);
  };
}
