import type { ActivityDeps } from './deps';
import { runCommands } from './run-commands';
import type { RunOnInstancesInput, RunOnInstancesOutput } from '../contracts';

/** Runs post-deploy tasks (mount storage, migrations…) on instances over SSM. */
export function createRunOnInstances(deps: ActivityDeps) {
  return async function runOnInstances(input: RunOnInstancesInput): Promise<RunOnInstancesOutput> {
    if (input.commands.length === 0 || input.instanceIds.length === 0) return { results: [] };
    const results = await runCommands(deps, input);
    // Output stays out of the workflow history unless something failed: it can be large.
    return { results: results.map((r) => ({ ...r, stdout: r.status === 'Success' ? '' : r.stdout })) };
  };
}
