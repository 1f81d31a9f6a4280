import { approveCommand, describeWaiting } from '../../contracts';
import type { DeployStatus } from '../../workflows/messages';
import type { ApprovalRecorded, CommandLogs } from '../results';

/**
 * `status`'s lines about the approval gate: while it waits, what waits (and that a waiting fleet
 * costs money), until when, and the commands that decide; once decided, who decided what and when.
 */
export function approvalStatusLines(status: DeployStatus): string[] {
  const approval = status.approval;
  if (!approval) return [];
  const { decision } = approval;
  switch (approval.state) {
    case 'waiting':
      return [
        `  waiting for approval since ${approval.waitingSince} (times out at ${approval.deadline}, then it is undone): ${describeWaiting(approval.waiting)}`,
        `    approve: ${approveCommand(status.app, status.env)}    reject: ${approveCommand(status.app, status.env)} --reject --reason "…"`,
      ];
    case 'timed-out':
      return [`  approval timed out at ${approval.deadline}: nobody decided`];
    default:
      return [`  ${approval.state} by ${decision?.by} at ${decision?.at}${decision?.reason ? `: ${decision.reason}` : ''}`];
  }
}

/** `status`'s line about webhooks that could not be told (the deploy went on). */
export function notificationFailureLines(status: DeployStatus): string[] {
  return (status.notificationFailures ?? []).map((failure) => `  notification failed: ${failure}`);
}

/** `approve`: what was recorded and what happens now. */
export function approvalRecordedLines(result: ApprovalRecorded): string[] {
  const what = result.approved ? 'approved: traffic moves now' : `rejected (${result.reason}): it undoes what it did, as after a failure`;
  return [`${result.workflowId} run ${result.runId} ${what}`, `  by ${result.by} at ${result.at}`, `  follow it: hybrid-deploy status ${result.app} ${result.env}  or  ${result.uiUrl}`];
}

/** `logs`: every output whole, each under a header naming its step, instance and stream. */
export function commandLogsLines(result: CommandLogs): string[] {
  if (result.outputs.length === 0) return [`no command output of ${result.app}/${result.env} run ${result.runId} under ${result.location} matches`];
  return result.outputs.flatMap((o) => [`==> ${o.step} ${o.instanceId} ${o.stream} (command ${o.commandId}, ${o.bytes} bytes) <==`, o.text.replace(/\n$/, '')]);
}
