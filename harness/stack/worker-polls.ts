import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/**
 * Resolves once a worker polls `taskQueue` for workflow tasks on the server at `address` (Temporal
 * lists its pollers); fails after `timeoutMs`, naming `what` it waited for.
 */
export async function untilWorkerPolls(address: string, taskQueue: string, what: string, timeoutMs = 60_000, namespace = 'default'): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { pollers } = await connection.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      if ((pollers ?? []).length > 0) return;
      if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs / 1000}s waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await connection.close();
  }
}
