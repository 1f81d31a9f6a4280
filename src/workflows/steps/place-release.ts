import { ApplicationFailure } from '@temporalio/workflow';
import type { InstanceRef, SyncResult } from '../../contracts';
import type { DeployRun } from '../deploy-run/deploy-run';

/** How {@link placeRelease} reports. */
export interface PlaceReleaseOptions {
  /** Names the instances in a failure message (e.g. `batch 2/5`). */
  label?: string;
  /** Sees every instance's result, failed ones included, before a failure is thrown (a rollout records previous releases from it). */
  onResults?: (results: SyncResult[]) => void;
}

/**
 * Replace the application code on servers with the new release (step 2 of the partial
 * procedure, step 1 of the mutable one): syncCode fetches the artifact, verifies it, unpacks it
 * into its own release directory, switches `current` and restarts. Resolves to what happened on
 * each instance (its previous release, for a rollback); fails naming the first instance that
 * could not take the release, once every instance has reported.
 */
export async function placeRelease(run: DeployRun, region: string, instances: InstanceRef[], options: PlaceReleaseOptions = {}): Promise<SyncResult[]> {
  const label = options.label ?? `${instances.length} instance(s)`;
  const { tools, spec, request } = run;
  const { results } = await tools.syncCode({
    region,
    instanceIds: instances.map((i) => i.instanceId),
    service: spec.service,
    version: request.version,
    artifact: request.artifact,
    timeoutSeconds: spec.timeouts.command,
    failOnError: false,
  }, `place ${request.version} on ${label} in ${region}`);
  options.onResults?.(results);
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    throw ApplicationFailure.create({
      type: 'SyncFailed',
      nonRetryable: true,
      message: `syncing ${request.version} failed on ${failed.length} of ${instances.length} instance(s) of ${label} in ${region}; ${failed[0].instanceId}: ${failed[0].error}`,
    });
  }
  return results;
}
