import { workflowInfo } from '@temporalio/workflow';
import type { CommandOutputLocation, DeployRequest, RunOnInstancesInput, SyncCodeInput } from '../../contracts';
import type { Toolset } from './toolset';

/** The steps whose commands' output is kept, as `hybrid-deploy logs --step` names them. */
export type OutputStep = 'bake' | 'sync' | 'rollback' | 'post-deploy';

/**
 * Where a step's commands keep their whole output: under the spec's `commandOutput.s3KeyPrefix`,
 * `<app>/<env>/<run id>/<step>/`, the run being the deploy a person started (a rolling-sync child
 * files its output under its parent's run, so one `hybrid-deploy logs` finds a whole deploy).
 */
export function commandOutputOf(request: DeployRequest, step: OutputStep): CommandOutputLocation | undefined {
  // A spec from before command output was kept has no `commandOutput`.
  const settings = request.spec.commandOutput;
  if (!settings) return undefined;
  const info = workflowInfo();
  const runId = info.root?.runId ?? info.firstExecutionRunId;
  const prefix = settings.s3KeyPrefix.replace(/\/+$/, '');
  return { s3Bucket: settings.s3Bucket, s3KeyPrefix: `${prefix}/${request.spec.app}/${request.env}/${runId}/${step}` };
}

/**
 * The toolset, with every command the product runs on instances (the sync script — a bake's
 * provisioning, a release, a rollback — and the post-deploy tasks) keeping its whole output where
 * the spec says. Without `commandOutput` it is the toolset unchanged.
 */
export function keepCommandOutput(tools: Toolset, request: DeployRequest): Toolset {
  if (!request.spec.commandOutput) return tools;
  return {
    ...tools,
    syncCode: (input: SyncCodeInput, summary: string) => {
      const step: OutputStep = input.mode === 'rollback' ? 'rollback' : input.provision ? 'bake' : 'sync';
      return tools.syncCode({ ...input, commandOutput: commandOutputOf(request, step) }, summary);
    },
    runOnInstances: (input: RunOnInstancesInput, summary: string) => tools.runOnInstances({ ...input, commandOutput: commandOutputOf(request, 'post-deploy') }, summary),
  };
}
