import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import { lastLines, runCommands } from './run-commands';
import { buildSyncScript, parseSyncOutput } from './sync-script';
import { redactSecrets } from '../contracts/redact';
import type { SyncCodeInput, SyncCodeOutput, SyncResult } from '../contracts';

/**
 * Places a release on instances — the one way code lands on a machine, for every procedure:
 * provision (on a builder), fetch the artifact (s3://, https://, file://), verify its sha256,
 * unpack into `releases/<version>`, switch `current` atomically, restart, prune old releases.
 * A version that is already current is a no-op success. `mode: 'rollback'` switches back to a
 * release already on disk. Reports each instance's previous version, so a failed rollout can be
 * rolled back exactly.
 */
export function createSyncCode(deps: ActivityDeps) {
  return async function syncCode(input: SyncCodeInput): Promise<SyncCodeOutput> {
    const script = buildSyncScript(input);
    const verb = input.mode === 'rollback' ? 'roll back to' : 'sync';
    const commandResults = await runCommands(deps, {
      region: input.region,
      instanceIds: input.instanceIds,
      commands: [script],
      comment: `hybrid-deploy ${verb} ${input.version}`,
      timeoutSeconds: input.timeoutSeconds,
      failOnError: false,
      ...(input.commandOutput ? { commandOutput: input.commandOutput } : {}),
    });
    const results = commandResults.map<SyncResult>((r) => {
      const { postDeployStarted, ...placed } = parseSyncOutput(r.stdout);
      if (r.status === 'Success') return { instanceId: r.instanceId, ok: true, ...placed };
      return {
        instanceId: r.instanceId,
        ok: false,
        ...placed,
        // The script prints the artifact URL only redacted; its commands' output is redacted too, in case.
        error: redactSecrets(`${r.status} (exit ${r.exitCode}): ${lastLines(r.stderr || r.stdout)}${r.outputLocation ? ` (whole output: ${r.outputLocation})` : ''}`),
        ...(postDeployStarted ? { failedIn: 'post-deploy' as const } : {}),
      };
    });
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0 && input.failOnError !== false) {
      throw ApplicationFailure.create({
        type: 'SyncFailed',
        nonRetryable: true,
        message: `${verb} ${input.version} failed on ${failed.length} of ${results.length} instance(s) in ${input.region}; ${failed[0].instanceId}: ${failed[0].error}`,
        details: [{ results }],
      });
    }
    return { results };
  };
}
