import { patched } from '@temporalio/workflow';
import type { DeployRun } from '../deploy-run/deploy-run';

/**
 * The first step of every procedure: check, read-only, everything the run will rely on (base
 * image or catalog, subnets and their zones, security groups, target group and its load
 * balancer, instance profile and SSM). A problem fails the run before anything is created,
 * naming the spec field and the fix. Behind a patch: runs recorded before it replay without it.
 */
export async function preflight(run: DeployRun): Promise<void> {
  if (!patched('preflight')) return;
  const { spec, request } = run;
  await run.tools.preflight({ procedure: request.procedure, spec }, `check what a ${request.procedure} of ${spec.app} needs in ${spec.regions.join(', ')}`);
}
