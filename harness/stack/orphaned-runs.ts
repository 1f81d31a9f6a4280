import { Client, Connection } from '@temporalio/client';

/**
 * Terminates every run still open in the dev server's store when a local stack starts: each was
 * started by an earlier stack whose sandbox is gone (a new stack has a new, empty sandbox), so its
 * instances and images no longer exist and its undo steps would fail against nothing. Done before
 * the worker starts, so no run resumes against the new sandbox. Returns a line per run.
 */
export async function terminateOrphanedRuns(address: string): Promise<string[]> {
  const connection = await Connection.connect({ address });
  const terminated: string[] = [];
  try {
    const client = new Client({ connection });
    const open: { workflowId: string; runId: string }[] = [];
    for await (const run of client.workflow.list({ query: 'ExecutionStatus = "Running"' })) open.push({ workflowId: run.workflowId, runId: run.runId });
    for (const { workflowId, runId } of open) {
      try {
        await client.workflow.getHandle(workflowId, runId).terminate('its sandbox is gone: started by an earlier local stack');
        terminated.push(`terminated ${workflowId} (run ${runId}), left running by an earlier stack whose sandbox is gone`);
      } catch {
        // It closed in between (a child ends with its parent): nothing to do.
      }
    }
  } finally {
    await connection.close();
  }
  return terminated;
}
