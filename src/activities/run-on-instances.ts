import type { ActivityDeps } from './deps';
import { runCommands } from './run-commands';
import { eachAsWrittenScript } from './shell-script';
import type { RunOnInstancesInput, RunOnInstancesOutput } from '../contracts';

/**
 * Runs post-deploy tasks (mount storage, migrations…) on instances over SSM: each command exactly
 * as written, as its own `sh` script, in order; the first that fails stops the rest.
 */
export function createRunOnInstances(deps: ActivityDeps) {
  return async function runOnInstances(input: RunOnInstancesInput): Promise<RunOnInstancesOutput> {
    if (input.commands.length === 0 || input.instanceIds.length === 0) return { results: [] };
    // One script that runs each command as written, in order, stopping at the first failure:
    // SSM would join them into one script, where one command's syntax could break the next.
    const results = await runCommands(deps, { ...input, commands: [eachAsWrittenScript(input.commands)] });
    // Output stays out of the workflow history unless something failed: it can be large.
    return { results: results.map((r) => ({ ...r, stdout: r.status === 'Success' ? '' : r.stdout })) };
  };
}
