import type { Notification, WebhookFormat } from '../contracts';
import { redactSecrets } from '../contracts/redact';

/** What a webhook receives: the `json` format's document, or a Slack-compatible message. */
export type WebhookPayload = (Notification & { uiUrl?: string }) | { text: string };

const HEADLINE: Record<Notification['event'], string> = {
  started: 'started',
  'waiting-for-approval': 'is waiting for approval',
  succeeded: 'succeeded',
  failed: 'failed',
  'rolled-back': 'failed and was rolled back',
  cancelled: 'was cancelled',
  baked: 'succeeded',
  'bake-failed': 'failed',
};

const ICON: Record<Notification['event'], string> = {
  started: ':rocket:',
  'waiting-for-approval': ':hourglass_flowing_sand:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  'rolled-back': ':leftwards_arrow_with_hook:',
  cancelled: ':no_entry_sign:',
  baked: ':bread:',
  'bake-failed': ':x:',
};

/**
 * The body for a webhook. `json`: the notification itself (plus the Web UI link when the worker
 * knows it), for tools that act on events. `slack`: a message in Slack's incoming-webhook shape
 * (`{"text": …}` with mrkdwn), which Mattermost, Rocket.Chat and others accept too. Every text is
 * passed through the redaction helper, in case an error quoted a URL.
 */
export function webhookPayload(format: WebhookFormat, notification: Notification, uiUrl?: string): WebhookPayload {
  if (format === 'json') {
    const safe = JSON.parse(redactSecrets(JSON.stringify(notification))) as Notification;
    return { ...safe, ...(uiUrl ? { uiUrl } : {}) };
  }
  return { text: redactSecrets(slackText(notification, uiUrl)) };
}

/** `immutable deploy of shop 1.4.2 to prod`, or `bake of shop 1.4.2 for prod`. */
export function subjectOf(n: Pick<Notification, 'procedure' | 'app' | 'version' | 'env'>): string {
  return n.procedure === 'bake' ? `bake of ${n.app} ${n.version} for ${n.env}` : `${n.procedure} deploy of ${n.app} ${n.version} to ${n.env}`;
}

function slackText(n: Notification, uiUrl: string | undefined): string {
  const took = n.seconds !== undefined ? ` in ${n.seconds}s` : '';
  const lines = [`${ICON[n.event]} *${escape(subjectOf(n))} ${HEADLINE[n.event]}*${n.event === 'succeeded' || n.event === 'baked' ? took : ''}`];
  if (n.event === 'started') lines.push(`regions: ${n.regions.join(', ')}`);
  if (n.approval) {
    lines.push(escape(n.approval.waiting), `times out at ${n.approval.deadline} (then it is undone, as after a failure)`);
    lines.push(`approve: \`${escape(n.approval.approveCommand)}\` · reject: \`${escape(n.approval.approveCommand)} --reject --reason "…"\``);
  }
  if (n.error) lines.push(`error: ${escape(n.error)}`);
  for (const region of n.result ?? []) {
    lines.push(`${region.region}: ${region.imageId ? `image ${region.imageId}; ` : ''}${region.instanceIds.length ? `instances ${region.instanceIds.join(', ')}` : 'no instances'}`);
  }
  if (n.compensation) {
    lines.push(n.compensation.length ? 'undone:' : 'nothing to undo', ...n.compensation.map((step) => `• ${escape(step)}`));
  }
  lines.push(uiUrl ? `<${uiUrl}|${escape(n.workflowId)}> run ${n.runId}` : `workflow ${escape(n.workflowId)} run ${n.runId}`);
  return lines.join('\n');
}

/** Slack's three control characters in message text (api.slack.com, "Formatting text for app surfaces"). */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
