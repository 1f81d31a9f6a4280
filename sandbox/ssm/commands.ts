/** SendCommand, GetCommandInvocation, ListCommandInvocations, CancelCommand. */
import type {
  CancelCommandRequest,
  CancelCommandResult,
  Command,
  CommandInvocation,
  CommandPluginStatus,
  GetCommandInvocationRequest,
  GetCommandInvocationResult,
  ListCommandInvocationsRequest,
  ListCommandInvocationsResult,
  SendCommandRequest,
  SendCommandResult,
} from '@aws-sdk/client-ssm';
import { paginate } from '../protocol/pagination';
import { AwsApiError, required } from '../protocol/errors';
import type { OperationContext } from '../protocol/handler';
import { aggregateStatus, outputKey, TERMINAL_STATUSES, type CommandRecord, type InvocationRecord } from '../state/commands';
import { newCommandId } from '../state/ids';
import type { SandboxState } from '../state/sandbox-state';
import { dispatchCommand } from './command-executor';
import { randomLag } from '../config/realism';
import { visibleInstance, visibleInstances } from '../ec2/lookup';

const DOCUMENT = 'AWS-RunShellScript';
const PLUGIN = 'aws:runShellScript';
const MAX_INSTANCE_IDS = 50;

function validationError(message: string): AwsApiError {
  return new AwsApiError('ValidationException', `1 validation error detected: ${message}`);
}

/** Instance ids from `InstanceIds` or from `Targets` (`InstanceIds` or `tag:KEY` keys). */
function targetInstanceIds(state: SandboxState, region: string, input: SendCommandRequest): string[] {
  if (input.InstanceIds?.length) return input.InstanceIds;
  const ids: string[] = [];
  for (const t of input.Targets ?? []) {
    if (t.Key === 'InstanceIds') ids.push(...(t.Values ?? []));
    else if (t.Key?.startsWith('tag:')) {
      const key = t.Key.slice(4);
      ids.push(
        ...visibleInstances(state, region)
          .filter((i) => i.state === 'running' && i.agent !== 'not-registered' && (t.Values ?? []).includes(i.tags.get(key) ?? '\0'))
          .map((i) => i.id),
      );
    } else throw new AwsApiError('InvalidTarget', `Target key ${t.Key} is not supported by the sandbox`);
  }
  return [...new Set(ids)];
}

function checkParameters(parameters: Record<string, string[]>): void {
  const commands = parameters.commands;
  if (!commands?.length) throw new AwsApiError('InvalidParameters', 'Parameter "commands" is required.');
  for (const key of Object.keys(parameters)) {
    if (!['commands', 'workingDirectory', 'executionTimeout'].includes(key)) {
      throw new AwsApiError('InvalidParameters', `Parameter "${key}" is not defined for document ${DOCUMENT}.`);
    }
  }
  const timeout = parameters.executionTimeout?.[0];
  if (timeout !== undefined && !(/^\d+$/.test(timeout) && Number(timeout) >= 1 && Number(timeout) <= 172_800)) {
    throw new AwsApiError('InvalidParameters', 'Parameter "executionTimeout" must be an integer between 1 and 172800.');
  }
}

/**
 * `OutputS3BucketName` and `OutputS3KeyPrefix` (SendCommand, SSM API reference): bucket 3-63
 * characters, prefix at most 500. A bucket that does not exist is not refused here (AWS does not
 * check it either); the agent's upload then fails and only the API's truncated output remains.
 */
function outputS3Of(input: SendCommandRequest): { bucket: string; keyPrefix: string } | undefined {
  const bucket = input.OutputS3BucketName;
  if (!bucket) return undefined;
  if (bucket.length < 3 || bucket.length > 63) throw validationError(`Value '${bucket}' at 'outputS3BucketName' failed to satisfy constraint: Member must have length between 3 and 63`);
  const keyPrefix = input.OutputS3KeyPrefix ?? '';
  if (keyPrefix.length > 500) throw validationError(`Value at 'outputS3KeyPrefix' failed to satisfy constraint: Member must have length less than or equal to 500`);
  return { bucket, keyPrefix };
}

/** The URL of an invocation's whole output on the sandbox's S3 (path-style), or '' without an output bucket. */
function outputUrl(state: SandboxState, command: CommandRecord, instanceId: string, stream: 'stdout' | 'stderr'): string {
  const key = outputKey(command, instanceId, stream);
  return key && command.outputS3 ? `${state.endpoint ?? ''}/${command.outputS3.bucket}/${key.split('/').map(encodeURIComponent).join('/')}` : '';
}

function renderCommand(c: CommandRecord): Command {
  const invocations = [...c.invocations.values()];
  const status = aggregateStatus(c);
  return {
    CommandId: c.id,
    DocumentName: c.documentName,
    DocumentVersion: '$DEFAULT',
    Comment: c.comment ?? '',
    ExpiresAfter: new Date(c.requestedAt.getTime() + (c.timeoutSeconds + 3600) * 1000),
    Parameters: c.parameters,
    InstanceIds: c.instanceIds,
    Targets: [],
    RequestedDateTime: c.requestedAt,
    Status: status,
    StatusDetails: status,
    MaxConcurrency: c.maxConcurrency,
    MaxErrors: c.maxErrors,
    TargetCount: invocations.length,
    CompletedCount: invocations.filter((i) => TERMINAL_STATUSES.has(i.status)).length,
    ErrorCount: invocations.filter((i) => i.status === 'Failed' && i.statusDetails !== 'Undeliverable').length,
    DeliveryTimedOutCount: invocations.filter((i) => i.statusDetails === 'DeliveryTimedOut').length,
    TimeoutSeconds: c.timeoutSeconds,
    ...(c.outputS3 ? { OutputS3BucketName: c.outputS3.bucket, OutputS3KeyPrefix: c.outputS3.keyPrefix } : {}),
    CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
  };
}

/** Sends `AWS-RunShellScript` to up to 50 instances; invocations appear and run per the profile. */
export function sendCommand({ state, region }: OperationContext, input: SendCommandRequest): SendCommandResult {
  const documentName = required(input.DocumentName, 'DocumentName', 'ValidationException');
  if (documentName !== DOCUMENT) throw new AwsApiError('InvalidDocument', `Document with name ${documentName} does not exist (the sandbox runs only ${DOCUMENT}).`);
  if ((input.InstanceIds?.length ?? 0) > MAX_INSTANCE_IDS) {
    throw validationError(`Value '[${input.InstanceIds?.join(', ')}]' at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to ${MAX_INSTANCE_IDS}`);
  }
  const ids = targetInstanceIds(state, region, input);
  if (!ids.length) throw new AwsApiError('InvalidInstanceId', 'Either InstanceIds or Targets must name at least one instance.');
  // Only managed instances take commands: one whose agent never registered (no instance profile
  // allowing SSM, or not yet), or that is gone or not yet visible, is InvalidInstanceId, as on AWS.
  const unknown = ids.filter((id) => {
    const i = visibleInstance(state, region, id);
    return !i || i.state === 'terminated' || i.agent === 'not-registered';
  });
  if (unknown.length) {
    throw new AwsApiError('InvalidInstanceId', `Instances [[${unknown.join(', ')}]] not in a valid state for account ${state.accountId}`);
  }
  const parameters = (input.Parameters ?? {}) as Record<string, string[]>;
  checkParameters(parameters);
  const outputS3 = outputS3Of(input);
  const now = new Date();
  // Invisible for a moment, as AWS's are (aws/aws-cli#3546); the realism's lag can make it longer.
  const visibleAt = new Date(now.getTime() + Math.max(state.timings.commandVisibleMs, randomLag(state.realism.visibilityLagMs)));
  const command: CommandRecord = {
    id: newCommandId(),
    region,
    documentName,
    comment: input.Comment,
    parameters,
    instanceIds: ids,
    requestedAt: now,
    timeoutSeconds: input.TimeoutSeconds ?? 3600,
    maxConcurrency: input.MaxConcurrency ?? '50',
    maxErrors: input.MaxErrors ?? '0',
    invocations: new Map(
      ids.map((instanceId): [string, InvocationRecord] => [
        instanceId,
        { commandId: '', instanceId, status: 'Pending', statusDetails: 'Pending', responseCode: -1, stdout: '', stderr: '', visibleAt },
      ]),
    ),
    ...(outputS3 ? { outputS3 } : {}),
    cancelled: false,
  };
  for (const inv of command.invocations.values()) Object.assign(inv, { commandId: command.id });
  state.commands.add(command);
  dispatchCommand(state, command);
  return { Command: renderCommand(command) };
}

function visibleInvocation(command: CommandRecord | undefined, instanceId: string): InvocationRecord | undefined {
  const inv = command?.invocations.get(instanceId);
  return inv && inv.visibleAt.getTime() <= Date.now() ? inv : undefined;
}

function elapsed(inv: InvocationRecord): string {
  if (!inv.startedAt) return '';
  const ms = (inv.endedAt ?? new Date()).getTime() - inv.startedAt.getTime();
  return `PT${(ms / 1000).toFixed(3)}S`;
}

/** One invocation's result; `InvocationDoesNotExist` until it is visible, as AWS right after SendCommand. */
export function getCommandInvocation({ state, region }: OperationContext, input: GetCommandInvocationRequest): GetCommandInvocationResult {
  const commandId = required(input.CommandId, 'CommandId', 'ValidationException');
  const instanceId = required(input.InstanceId, 'InstanceId', 'ValidationException');
  const command = state.commands.getInRegion(region, commandId);
  const inv = visibleInvocation(command, instanceId);
  if (!command || !inv) throw new AwsApiError('InvocationDoesNotExist', '');
  if (input.PluginName && input.PluginName !== PLUGIN) throw new AwsApiError('InvalidPluginName', '');
  return {
    CommandId: command.id,
    InstanceId: instanceId,
    Comment: command.comment ?? '',
    DocumentName: command.documentName,
    DocumentVersion: '$DEFAULT',
    PluginName: PLUGIN,
    ResponseCode: inv.responseCode,
    ExecutionStartDateTime: inv.startedAt?.toISOString() ?? '',
    ExecutionElapsedTime: elapsed(inv),
    ExecutionEndDateTime: inv.endedAt?.toISOString() ?? '',
    Status: inv.status,
    StatusDetails: inv.statusDetails,
    StandardOutputContent: inv.stdout,
    StandardOutputUrl: outputUrl(state, command, instanceId, 'stdout'),
    StandardErrorContent: inv.stderr,
    StandardErrorUrl: outputUrl(state, command, instanceId, 'stderr'),
    CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
  };
}

function renderInvocation(command: CommandRecord, inv: InvocationRecord, details: boolean): CommandInvocation {
  // AWS's plugin `Output` is the first 2,500 characters, stderr after a separator.
  const output = (inv.stdout + (inv.stderr ? `\n----------ERROR-------\n${inv.stderr}` : '')).slice(0, 2500);
  return {
    CommandId: command.id,
    InstanceId: inv.instanceId,
    InstanceName: '',
    Comment: command.comment ?? '',
    DocumentName: command.documentName,
    DocumentVersion: '$DEFAULT',
    RequestedDateTime: command.requestedAt,
    Status: inv.status,
    StatusDetails: inv.statusDetails,
    StandardOutputUrl: '',
    StandardErrorUrl: '',
    CommandPlugins: details
      ? [
          {
            Name: PLUGIN,
            // Plugin statuses are the invocation statuses minus Delayed/Cancelling, never used here.
            Status: inv.status as CommandPluginStatus,
            StatusDetails: inv.statusDetails,
            ResponseCode: inv.responseCode,
            ResponseStartDateTime: inv.startedAt,
            ResponseFinishDateTime: inv.endedAt,
            Output: output,
            StandardOutputUrl: '',
            StandardErrorUrl: '',
          },
        ]
      : [],
    CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
  };
}

export function listCommandInvocations({ state, region }: OperationContext, input: ListCommandInvocationsRequest): ListCommandInvocationsResult {
  const commands = input.CommandId ? [state.commands.getInRegion(region, input.CommandId)] : state.commands.listInRegion(region);
  if (input.CommandId && !commands[0]) throw new AwsApiError('InvalidCommandId', '');
  const rows: CommandInvocation[] = [];
  for (const c of commands as CommandRecord[]) {
    for (const inv of c.invocations.values()) {
      if (input.InstanceId && inv.instanceId !== input.InstanceId) continue;
      if (visibleInvocation(c, inv.instanceId)) rows.push(renderInvocation(c, inv, !!input.Details));
    }
  }
  const { page, nextToken } = paginate(rows, input.MaxResults, input.NextToken);
  return { CommandInvocations: page, NextToken: nextToken };
}

/** Cancels pending and running invocations (all, or those of the named instances). */
export function cancelCommand({ state, region }: OperationContext, input: CancelCommandRequest): CancelCommandResult {
  const command = state.commands.getInRegion(region, required(input.CommandId, 'CommandId', 'ValidationException'));
  if (!command) throw new AwsApiError('InvalidCommandId', '');
  const only = input.InstanceIds?.length ? new Set(input.InstanceIds) : undefined;
  if (!only) command.cancelled = true;
  for (const inv of command.invocations.values()) {
    if ((only && !only.has(inv.instanceId)) || TERMINAL_STATUSES.has(inv.status)) continue;
    if (inv.cancel) inv.cancel();
    else Object.assign(inv, { status: 'Cancelled', statusDetails: 'Cancelled', endedAt: new Date() });
  }
  return {};
}
