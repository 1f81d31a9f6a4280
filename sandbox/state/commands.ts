/** SSM Run Command: commands, their per-instance invocations, and the store. */
import type { CommandInvocationStatus, CommandStatus } from '@aws-sdk/client-ssm';

/** One instance's share of a command. */
export interface InvocationRecord {
  readonly commandId: string;
  readonly instanceId: string;
  status: CommandInvocationStatus;
  statusDetails: string;
  responseCode: number;
  stdout: string;
  stderr: string;
  startedAt?: Date;
  endedAt?: Date;
  /** Visible to GetCommandInvocation only from this time on (AWS answers InvocationDoesNotExist before). */
  visibleAt: Date;
  /** Kills the running script (set while it runs). */
  cancel?: () => void;
}

/** One SendCommand. */
export interface CommandRecord {
  readonly id: string;
  readonly region: string;
  readonly documentName: string;
  readonly comment?: string;
  readonly parameters: Record<string, string[]>;
  readonly instanceIds: string[];
  readonly requestedAt: Date;
  readonly timeoutSeconds: number;
  readonly maxConcurrency: string;
  readonly maxErrors: string;
  readonly invocations: Map<string, InvocationRecord>;
  /** `OutputS3BucketName`/`OutputS3KeyPrefix`: where each invocation's whole stdout and stderr go. */
  readonly outputS3?: { bucket: string; keyPrefix: string };
  cancelled: boolean;
}

/**
 * Where SSM puts an invocation's whole output: `<prefix>/<command id>/<instance id>/awsrunShellScript/0.awsrunShellScript/stdout`
 * (and `stderr`), the layout the agent writes for `AWS-RunShellScript`'s one `aws:runShellScript` step.
 */
export function outputKey(command: CommandRecord, instanceId: string, stream: 'stdout' | 'stderr'): string | undefined {
  if (!command.outputS3) return undefined;
  const prefix = command.outputS3.keyPrefix.replace(/\/+$/, '');
  return `${prefix ? `${prefix}/` : ''}${command.id}/${instanceId}/awsrunShellScript/0.awsrunShellScript/${stream}`;
}

/** Terminal statuses: nothing changes an invocation after these. */
export const TERMINAL_STATUSES: ReadonlySet<CommandInvocationStatus> = new Set<CommandInvocationStatus>([
  'Success',
  'Failed',
  'TimedOut',
  'Cancelled',
]);

/** All commands, newest last. */
export class CommandStore {
  private readonly byId = new Map<string, CommandRecord>();

  add(command: CommandRecord): void {
    this.byId.set(command.id, command);
  }

  getInRegion(region: string, id: string): CommandRecord | undefined {
    const c = this.byId.get(id);
    return c && c.region === region ? c : undefined;
  }

  listInRegion(region: string): CommandRecord[] {
    return [...this.byId.values()].filter((c) => c.region === region);
  }

  listAll(): CommandRecord[] {
    return [...this.byId.values()];
  }

  clear(): void {
    this.byId.clear();
  }
}

/**
 * The overall status of a command from its invocations, as AWS aggregates it: in progress while
 * any runs; else Success only if all succeeded; Cancelled if cancelled; TimedOut/Failed otherwise.
 */
export function aggregateStatus(command: CommandRecord): CommandStatus {
  const statuses = [...command.invocations.values()].map((i) => i.status);
  if (statuses.some((s) => s === 'InProgress')) return 'InProgress';
  if (statuses.some((s) => s === 'Pending' || s === 'Delayed')) return command.cancelled ? 'Cancelling' : 'Pending';
  if (statuses.every((s) => s === 'Success')) return 'Success';
  if (command.cancelled || statuses.every((s) => s === 'Cancelled')) return 'Cancelled';
  if (statuses.some((s) => s === 'TimedOut')) return 'TimedOut';
  return 'Failed';
}
