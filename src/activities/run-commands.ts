import { GetCommandInvocationCommand, ListCommandInvocationsCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { chunk } from '../aws/chunk';
import { awsCall, isAwsError, toActivityFailure } from '../aws/errors';
import { resumeDetails, waitFor } from '../aws/wait';
import type { ActivityDeps } from './deps';
import type { CommandResult, RunOnInstancesInput } from '../contracts';

/** SSM's limit of instance ids per SendCommand. */
export const SSM_BATCH_SIZE = 50;

const RUNNING = new Set(['Pending', 'InProgress', 'Delayed', 'Cancelling']);

/**
 * Runs shell commands on instances through SSM Run Command (`AWS-RunShellScript`), in batches
 * of at most 50 ids, and collects each instance's status, exit code and output. The command ids
 * are checkpointed in the heartbeat, so a retried attempt polls the commands already sent
 * instead of running them twice. Shared by `runOnInstances` and `syncCode`.
 */
export async function runCommands(deps: ActivityDeps, input: RunOnInstancesInput): Promise<CommandResult[]> {
  const ssm = deps.clients.ssm(input.region);
  const { info } = Context.current();
  const comment = input.comment.slice(0, 100);
  // One command per batch, in batch order; a resumed attempt picks up after the last one it checkpointed.
  const commandIds = [...(resumeDetails<{ commandIds: string[] }>().commandIds ?? [])];
  for (const batch of chunk(input.instanceIds, SSM_BATCH_SIZE).slice(commandIds.length)) {
    // SendCommand has no idempotency token: an earlier attempt that died between sending and its
    // first heartbeat (a killed worker, a failed first poll) left a command running that a blind
    // retry would send again. Find it first.
    const sent = info.attempt > 1 ? await findSentCommand(ssm, batch[0], comment, info.scheduledTimestampMs) : undefined;
    if (sent) {
      commandIds.push(sent);
    } else {
      const { Command } = await awsCall(`ssm:SendCommand (${input.comment})`, () =>
        ssm.send(
          new SendCommandCommand({
            DocumentName: 'AWS-RunShellScript',
            InstanceIds: batch,
            Comment: comment,
            TimeoutSeconds: 600,
            MaxConcurrency: String(SSM_BATCH_SIZE),
            MaxErrors: String(SSM_BATCH_SIZE),
            Parameters: {
              commands: input.commands,
              executionTimeout: [String(input.timeoutSeconds)],
              ...(input.workingDirectory ? { workingDirectory: [input.workingDirectory] } : {}),
            },
          }),
        ),
      );
      commandIds.push(Command!.CommandId!);
    }
    // Checkpoint at once, before the first poll: a retry from here on polls instead of re-sending.
    Context.current().heartbeat({ commandIds });
  }

  const statuses = await waitFor<Map<string, { commandId: string; status: string }>>({
    what: `command "${input.comment}" on ${input.instanceIds.length} instance(s) in ${input.region}`,
    // The command's own executionTimeout ends it first; the slack covers delivery and reporting.
    timeoutSeconds: input.timeoutSeconds + 120,
    pollIntervalMs: deps.pollIntervalMs,
    checkpoint: { commandIds },
    check: async () => {
      const seen = new Map<string, { commandId: string; status: string }>();
      for (const commandId of commandIds) {
        let nextToken: string | undefined;
        do {
          const page = await awsCall('ssm:ListCommandInvocations', () =>
            ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId, NextToken: nextToken })),
          );
          for (const inv of page.CommandInvocations ?? []) seen.set(inv.InstanceId!, { commandId, status: inv.Status ?? 'Pending' });
          nextToken = page.NextToken;
        } while (nextToken);
      }
      const pending = input.instanceIds.filter((id) => !seen.has(id) || RUNNING.has(seen.get(id)!.status));
      return { done: pending.length === 0, value: seen, progress: { pending: pending.length, total: input.instanceIds.length } };
    },
  });

  const results: CommandResult[] = [];
  for (const instanceId of input.instanceIds) {
    const { commandId } = statuses.get(instanceId)!;
    results.push(await invocationResult(ssm, commandId, instanceId));
  }
  if (input.failOnError !== false) failIfAnyFailed(input, results);
  return results;
}

/**
 * The command an earlier attempt of this activity sent to `instanceId` with this comment, if
 * any: only commands requested since the activity was first scheduled can be its own (one
 * deploy at a time changes an instance, and a step's comment names the step and version).
 */
async function findSentCommand(ssm: ReturnType<ActivityDeps['clients']['ssm']>, instanceId: string, comment: string, scheduledMs: number): Promise<string | undefined> {
  // Whole seconds: request times may come back without their milliseconds.
  const sinceMs = Math.floor(scheduledMs / 1000) * 1000;
  let nextToken: string | undefined;
  do {
    const page = await awsCall(`ssm:ListCommandInvocations on ${instanceId}`, () =>
      ssm.send(
        new ListCommandInvocationsCommand({
          InstanceId: instanceId,
          Filters: [{ key: 'InvokedAfter', value: new Date(sinceMs).toISOString() }],
          NextToken: nextToken,
        }),
      ),
    );
    const mine = (page.CommandInvocations ?? []).find(
      (inv) => inv.Comment === comment && inv.DocumentName === 'AWS-RunShellScript' && (inv.RequestedDateTime?.getTime() ?? 0) >= sinceMs,
    );
    if (mine?.CommandId) return mine.CommandId;
    nextToken = page.NextToken;
  } while (nextToken);
  return undefined;
}

async function invocationResult(ssm: ReturnType<ActivityDeps['clients']['ssm']>, commandId: string, instanceId: string): Promise<CommandResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
      return {
        instanceId,
        status: inv.Status ?? 'Unknown',
        exitCode: inv.ResponseCode ?? -1,
        stdout: inv.StandardOutputContent ?? '',
        stderr: inv.StandardErrorContent ?? '',
      };
    } catch (error) {
      // AWS answers InvocationDoesNotExist for a moment after SendCommand; anything else is real.
      if (!isAwsError(error, 'InvocationDoesNotExist') || attempt >= 10) throw toActivityFailure(error, 'ssm:GetCommandInvocation');
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
  }
}

function failIfAnyFailed(input: RunOnInstancesInput, results: CommandResult[]): void {
  const failed = results.filter((r) => r.status !== 'Success');
  if (failed.length === 0) return;
  const first = failed[0];
  throw ApplicationFailure.create({
    type: 'CommandFailed',
    nonRetryable: true,
    message:
      `"${input.comment}" failed on ${failed.length} of ${results.length} instance(s) in ${input.region}; ` +
      `${first.instanceId}: ${first.status} (exit ${first.exitCode}): ${lastLines(first.stderr || first.stdout)}`,
    details: [{ failed: failed.map(({ instanceId, status, exitCode, stderr }) => ({ instanceId, status, exitCode, stderr: lastLines(stderr) })) }],
  });
}

/** The end of a command's output: where the error usually is. */
export function lastLines(text: string, count = 5): string {
  return text.trim().split('\n').slice(-count).join('\n').slice(-1000);
}
