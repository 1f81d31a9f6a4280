import type { InstanceRef } from '../../contracts';
import type { DeployRun } from '../deploy-run/deploy-run';

/**
 * Perform the post-deploy tasks (the last step of every procedure): the spec's `postDeploy`
 * commands (mount storage, migrations…) over SSM, then the smoke test: every instance answers
 * its health check with the expected status, body and version.
 */
export async function runPostDeployTasks(run: DeployRun, region: string, instances: InstanceRef[], version = run.request.version): Promise<void> {
  const { tools, spec } = run;
  if (spec.postDeploy.length > 0) {
    const instanceIds = instances.map((i) => i.instanceId);
    await tools.runOnInstances(
      { region, instanceIds, commands: spec.postDeploy, comment: `post-deploy ${version}`, timeoutSeconds: spec.timeouts.command },
      `post-deploy tasks (${spec.postDeploy.length}) on ${instanceIds.length} instance(s) in ${region}`,
    );
  }
  await tools.smokeTest({ region, targets: instances, healthCheck: spec.service.healthCheck, version }, `smoke test ${version} on ${instances.length} instance(s) in ${region}`);
}
