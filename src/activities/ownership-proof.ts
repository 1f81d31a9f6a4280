import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { RUN_WORKFLOW_TYPES, type Tag, TagKeys, tagValue } from '../contracts';
import type { ActivityDeps, WorkflowLookup, WorkflowRunFacts } from './deps';

/** A {@link WorkflowLookup} over a Temporal client: the worker's own connection. */
export function workflowLookup(client: Client): WorkflowLookup {
  return {
    async run(workflowId, runId) {
      try {
        const description = await client.workflow.getHandle(workflowId, runId).describe();
        return { status: description.status.name, type: description.type };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      }
    },
  };
}

/** A run Temporal no longer holds: closed before the namespace's retention period. */
const FORGOTTEN: WorkflowRunFacts = { status: 'FORGOTTEN', type: 'unknown' };

const OUR_TYPES: ReadonlySet<string> = new Set(Object.values(RUN_WORKFLOW_TYPES));

/** The run that made a resource, proven: Temporal knows it as a hybrid-deploy run that is over. */
export type Proof = { owner: string; run: WorkflowRunFacts } | { spared: string };

/**
 * Proves who made a resource before anything removes it. A tag alone proves nothing (anyone can
 * write one): the resource's workflow id and run id must be known to Temporal as a run of a
 * hybrid-deploy workflow that is no longer running, and the resource must look like what only
 * that run could have made (`madeBy`: a builder's launch ClientToken, an image's deterministic
 * name). Each run is asked about once per activity.
 *
 * With `forgottenRunsProven`, a run Temporal no longer knows (closed longer ago than the
 * namespace's retention period) counts as over, its resource proven by `madeBy` alone: image
 * retention needs it, since the images it removes are the old ones. Only for resources a spec
 * cannot shape (an image's name is derived from the run, never from user input).
 */
export function ownershipProver(
  deps: ActivityDeps,
  options: { forgottenRunsProven?: boolean } = {},
): (tags: Tag[] | undefined, madeBy: (workflowId: string, runId: string) => boolean) => Promise<Proof> {
  const runs = new Map<string, Promise<WorkflowRunFacts | undefined>>();
  const lookup = (workflowId: string, runId: string) => {
    const key = `${workflowId}\u0000${runId}`;
    if (!runs.has(key)) runs.set(key, deps.temporal!.run(workflowId, runId));
    return runs.get(key)!;
  };
  return async (tags, madeBy) => {
    const workflowId = tagValue(tags, TagKeys.workflowId);
    const runId = tagValue(tags, TagKeys.runId);
    if (!deps.temporal) return { spared: 'this worker cannot ask Temporal who made it' };
    if (!workflowId || !runId) return { spared: 'it names no workflow run' };
    const owner = `${workflowId} run ${runId}`;
    if (!madeBy(workflowId, runId)) return { spared: `it is not what ${owner} made (its tags say so, its launch does not)` };
    const run = await lookup(workflowId, runId);
    if (!run) return options.forgottenRunsProven ? { owner, run: FORGOTTEN } : { spared: `Temporal has no run ${owner}` };
    if (!OUR_TYPES.has(run.type)) return { spared: `${owner} is a ${run.type}, not a hybrid-deploy run` };
    if (run.status === 'RUNNING') return { spared: `${owner} is still running` };
    return { owner, run };
  };
}

/** Logs why a resource is spared, so a person can see the reaper looked at it. */
export function logSpared(kind: string, id: string, region: string, reason: string): void {
  Context.current().log.info('spared a resource', { kind, id, region, reason });
}
