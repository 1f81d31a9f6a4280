import type { InstanceRef } from '../../contracts';
import type { DeployRun } from '../deploy-run/deploy-run';

/** What {@link runPostDeployTasks} still has to do. */
export interface PostDeployOptions {
  /** The commands already ran, in the same SSM command that placed the release (see placeRelease): only the smoke test is left. */
  commandsRan?: boolean;
}

/**
 * Perform the post-deploy tasks (the last step of every procedure): the spec's `postDeploy`
 * commands (mount storage, migrations…) over SSM, then the smoke test: every instance answers
 * its health check with the expected status, body and version.
 */
export async function runPostDeployTasks(run: DeployRun, region: string, instances: InstanceRef[], options: PostDeployOptions = {}): Promise<void> {
  const { tools, spec } = run;
  const version = run.request.version;
  if (spec.postDeploy.length > 0 && !options.commandsRan) {
    const instanceIds = instances.map((i) => i.instanceId);
    await tools.runOnInstances(
      { region, instanceIds, commands: spec.postDeploy, comment: `post-deploy ${version}`, timeoutSeconds: spec.timeouts.command },
      `post-deploy tasks (${spec.postDeploy.length}) on ${instanceIds.length} instance(s) in ${region}`,
    );
  }
  await tools.smokeTest({ region, targets: instances, healthCheck: spec.service.healthCheck, version }, `smoke test ${version} on ${instances.length} instance(s) in ${region}`);
}
