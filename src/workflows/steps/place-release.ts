import { ApplicationFailure, patched } from '@temporalio/workflow';
import type { InstanceRef, SyncResult } from '../../contracts';
import type { DeployRun } from '../deploy-run/deploy-run';

/** How {@link placeRelease} reports. */
export interface PlaceReleaseOptions {
  /** Names the instances in a failure message (e.g. `batch 2/5`). */
  label?: string;
  /** Sees every instance's result, failed ones included, before a failure is thrown (a rollout records previous releases from it). */
  onResults?: (results: SyncResult[]) => void;
}

/** What {@link placeRelease} did. */
export interface PlacedRelease {
  results: SyncResult[];
  /** The spec's post-deploy commands ran too, in the same SSM command (runPostDeployTasks then only smoke-tests). */
  postDeployRan: boolean;
}

/**
 * Replace the application code on servers with the new release (step 2 of the partial
 * procedure, step 1 of the mutable one): syncCode fetches the artifact, verifies it, unpacks it
 * into its own release directory, switches `current` and restarts. Resolves to what happened on
 * each instance (its previous release, for a rollback); fails naming the first instance that
 * could not take the release, once every instance has reported.
 */
export async function placeRelease(run: DeployRun, region: string, instances: InstanceRef[], options: PlaceReleaseOptions = {}): Promise<PlacedRelease> {
  const label = options.label ?? `${instances.length} instance(s)`;
  const { tools, spec, request } = run;
  // The post-deploy tasks ride in the placement's own command: one SSM round trip per batch, not
  // two. Histories recorded before this change sent them as a second command.
  const postDeployRan = spec.postDeploy.length > 0 && patched('post-deploy-in-sync-command');
  const postDeploy = postDeployRan ? ` and run ${spec.postDeploy.length} post-deploy task(s)` : '';
  const { results } = await tools.syncCode({
    region,
    instanceIds: instances.map((i) => i.instanceId),
    service: spec.service,
    version: request.version,
    artifact: request.artifact,
    timeoutSeconds: spec.timeouts.command,
    failOnError: false,
    ...(postDeployRan ? { postDeploy: spec.postDeploy } : {}),
  }, `place ${request.version}${postDeploy} on ${label} in ${region}`);
  options.onResults?.(results);
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    const inPostDeploy = failed[0].failedIn === 'post-deploy';
    throw ApplicationFailure.create({
      // The same failure types as when the post-deploy tasks were a command of their own.
      type: inPostDeploy ? 'CommandFailed' : 'SyncFailed',
      nonRetryable: true,
      message: `${inPostDeploy ? 'the post-deploy tasks of' : 'syncing'} ${request.version} failed on ${failed.length} of ${instances.length} instance(s) of ${label} in ${region}; ${failed[0].instanceId}: ${failed[0].error}`,
    });
  }
  return { results, postDeployRan };
}
