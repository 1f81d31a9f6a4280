import { CancelCommandCommand, GetCommandInvocationCommand, ListCommandInvocationsCommand, SendCommandCommand, type SendCommandCommandInput } from '@aws-sdk/client-ssm';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { chunk } from '../aws/chunk';
import { cancelledForGood, NOT_VISIBLE_YET, whenVisible } from '../aws/consistency';
import { awsCall } from '../aws/errors';
import { onlineAgents, waitForAgents } from '../aws/ssm-registration';
import { resumeDetails, waitFor } from '../aws/wait';
import { consistencyWindow, type ActivityDeps } from './deps';
import { withWholeOutputTail } from './whole-output';
import type { CommandResult, RunOnInstancesInput } from '../contracts';
import { heartbeat } from '../aws/heartbeat';

/** SSM's limit of instance ids per SendCommand. */
export const SSM_BATCH_SIZE = 50;

const RUNNING = new Set(['Pending', 'InProgress', 'Delayed', 'Cancelling']);

/**
 * Runs shell commands on instances through SSM Run Command (`AWS-RunShellScript`), in batches
 * of at most 50 ids, and collects each instance's status, exit code and output. Before sending,
 * it waits (bounded by the consistency window) until every agent is registered and online, and
 * fails at once with the fix when one can never register. The command ids are checkpointed in
 * the heartbeat, so a retried attempt polls the commands already sent instead of running them
 * twice. Commands it gives up on (its wait ran out, or it was cancelled) are cancelled with
 * CancelCommand, so they cannot run later. Shared by `runOnInstances` and `syncCode`.
 */
export async function runCommands(deps: ActivityDeps, input: RunOnInstancesInput): Promise<CommandResult[]> {
  // One command per batch, in batch order; a resumed attempt picks up after the last one it checkpointed.
  const commandIds = [...(resumeDetails<{ commandIds: string[] }>().commandIds ?? [])];
  const statuses = await cancelOnGiveUp(deps, input.region, commandIds, async () => {
    await sendUnsent(deps, input, commandIds);
    return pollUntilDone(deps, input, commandIds);
  });
  const results: CommandResult[] = [];
  for (const instanceId of input.instanceIds) {
    const { commandId } = statuses.get(instanceId)!;
    results.push(await withWholeOutputTail(deps, input.region, input.commandOutput, commandId, await invocationResult(deps, input.region, commandId, instanceId, commandIds)));
  }
  if (input.failOnError !== false) failIfAnyFailed(input, results);
  return results;
}

/** Sends the batches no earlier attempt sent (found in the heartbeat, or by their comment), adding their ids to `commandIds`. */
async function sendUnsent(deps: ActivityDeps, input: RunOnInstancesInput, commandIds: string[]): Promise<void> {
  const ssm = deps.clients.ssm(input.region);
  const { info } = Context.current();
  const comment = input.comment.slice(0, 100);
  const unsent = chunk(input.instanceIds, SSM_BATCH_SIZE).slice(commandIds.length);
  if (unsent.length > 0) await agentsReady(deps, input.region, unsent.flat(), commandIds);
  for (const batch of unsent) {
    // SendCommand has no idempotency token: an earlier attempt that died between sending and its
    // first heartbeat (a killed worker, a failed first poll) left a command running that a blind
    // retry would send again. Find it first.
    const sent = info.attempt > 1 ? await findSentCommand(ssm, batch[0], comment, info.scheduledTimestampMs) : undefined;
    if (sent) {
      Context.current().log.info('found the command an earlier attempt sent: polling it instead of sending it again', { commandId: sent, instanceId: batch[0], comment });
      commandIds.push(sent);
    } else {
      commandIds.push(await send(deps, input.region, commandIds, {
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
        // SSM keeps the whole stdout and stderr there (its API returns only their beginnings).
        ...(input.commandOutput ? { OutputS3BucketName: input.commandOutput.s3Bucket, OutputS3KeyPrefix: input.commandOutput.s3KeyPrefix } : {}),
      }));
    }
    // Checkpoint at once, before the first poll: a retry from here on polls instead of re-sending.
    heartbeat({ commandIds });
  }
}

/** Waits until every instance's invocation has finished; an invocation not visible yet counts as pending. */
function pollUntilDone(deps: ActivityDeps, input: RunOnInstancesInput, commandIds: string[]): Promise<Map<string, { commandId: string; status: string }>> {
  const ssm = deps.clients.ssm(input.region);
  return waitFor<Map<string, { commandId: string; status: string }>>({
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
}

/**
 * Every agent registered and online before a command is sent: an instance SSM does not manage
 * yet would make SendCommand fail (`InvalidInstanceId`), one that never will is reported with the fix.
 */
async function agentsReady(deps: ActivityDeps, region: string, instanceIds: string[], commandIds: string[]): Promise<void> {
  const { clients } = deps;
  // The usual case (a fleet long registered) costs one look, and no heartbeat.
  const online = await onlineAgents(clients.ssm(region), instanceIds);
  if (instanceIds.every((id) => online.has(id))) return;
  await waitForAgents({
    region,
    instanceIds,
    timeoutSeconds: Math.ceil(consistencyWindow(deps) / 1000),
    pollIntervalMs: deps.pollIntervalMs,
    clients: { ec2: clients.ec2(region), ssm: clients.ssm(region), iam: clients.iam(region) },
    checkpoint: { commandIds },
  });
}

/**
 * SendCommand; `InvalidInstanceId` right after an agent registered is SSM catching up (its
 * registration is eventually consistent too), so it is retried within the consistency window.
 */
async function send(deps: ActivityDeps, region: string, commandIds: string[], request: SendCommandCommandInput): Promise<string> {
  const ssm = deps.clients.ssm(region);
  const { Command } = await whenVisible(
    { what: `SSM registration of ${request.InstanceIds?.join(', ')}`, codes: ['InvalidInstanceId'], windowMs: consistencyWindow(deps), checkpoint: { commandIds } },
    () => awsCall(`ssm:SendCommand (${request.Comment})`, () => ssm.send(new SendCommandCommand(request))),
  );
  return Command!.CommandId!;
}

/**
 * Runs `work`; if it gives up for good (a non-retryable failure, e.g. its wait ran out) or the
 * deploy cancelled it, the commands sent so far are cancelled with CancelCommand before the
 * failure goes on: a command nobody waits for any more must not run later (a delayed delivery).
 * A retryable failure or a timed-out attempt leaves them alone: the next attempt resumes polling them.
 */
async function cancelOnGiveUp<T>(deps: ActivityDeps, region: string, commandIds: string[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (cancelledForGood(error) || (error instanceof ApplicationFailure && error.nonRetryable)) {
      const ssm = deps.clients.ssm(region);
      for (const CommandId of commandIds) {
        // Best effort: a command that finished meanwhile cannot be cancelled, and that is fine.
        await awsCall(`ssm:CancelCommand ${CommandId}`, () => ssm.send(new CancelCommandCommand({ CommandId }))).catch(() => undefined);
      }
    }
    throw error;
  }
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

async function invocationResult(deps: ActivityDeps, region: string, commandId: string, instanceId: string, commandIds: string[]): Promise<CommandResult> {
  const ssm = deps.clients.ssm(region);
  // AWS answers InvocationDoesNotExist for a moment after SendCommand (aws/aws-cli#3546).
  const inv = await whenVisible(
    { what: `command ${commandId} on ${instanceId}`, codes: [NOT_VISIBLE_YET.invocation], windowMs: consistencyWindow(deps), checkpoint: { commandIds } },
    () => awsCall('ssm:GetCommandInvocation', () => ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }))),
  );
  return {
    instanceId,
    status: inv.Status ?? 'Unknown',
    exitCode: inv.ResponseCode ?? -1,
    stdout: inv.StandardOutputContent ?? '',
    stderr: inv.StandardErrorContent ?? '',
  };
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
      `${first.instanceId}: ${first.status} (exit ${first.exitCode}): ${lastLines(first.stderr || first.stdout)}${first.outputLocation ? ` (whole output: ${first.outputLocation})` : ''}`,
    details: [{ failed: failed.map(({ instanceId, status, exitCode, stderr }) => ({ instanceId, status, exitCode, stderr: lastLines(stderr) })) }],
  });
}

/** The end of a command's output: where the error usually is. */
export function lastLines(text: string, count = 5): string {
  return text.trim().split('\n').slice(-count).join('\n').slice(-1000);
}
