/**
 * What a deploy tells the people who run it, through the spec's `notify` webhooks: the events,
 * the formats, and the notification the `notify` activity delivers. Free of Node, so workflows
 * build notifications and activities format and send them.
 */

/**
 * The events a webhook may subscribe to. A deploy sends `started`, `waiting-for-approval` (the gate
 * of `approval`), then one end: `succeeded`, `failed` (also a rejection or an approval that timed
 * out), `rolled-back` (a mutable deploy that failed and put every changed instance back on its
 * previous release) or `cancelled`. A bake (the nightly one) sends only its result: `baked` or
 * `bake-failed`.
 */
export const NOTIFY_EVENTS = ['started', 'waiting-for-approval', 'succeeded', 'failed', 'rolled-back', 'cancelled', 'baked', 'bake-failed'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** How a webhook wants its payload: a Slack-compatible message (`text`) or the notification as JSON. */
export const WEBHOOK_FORMATS = ['slack', 'json'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** What the deploy was waiting for when it asked for approval. */
export interface ApprovalNotice {
  /** When the wait times out (the deploy then compensates). */
  deadline: string;
  /** What waits, in a sentence: `4 new instance(s) running since …, costing money until approved or rejected`. */
  waiting: string;
  /** The command that approves it. */
  approveCommand: string;
}

/** One notification: everything a person needs to know about the event, nothing secret. */
export interface Notification {
  event: NotifyEvent;
  procedure: string;
  app: string;
  env: string;
  version: string;
  workflowId: string;
  runId: string;
  /** When it happened (ISO, workflow time). */
  at: string;
  regions: string[];
  /** Seconds since the deploy started (end events). */
  seconds?: number;
  /** What went wrong (failed, rolled-back, cancelled, bake-failed). */
  error?: string;
  /** The undo report, a line per step, a failed child run's (a region's rolling sync) first (failed, rolled-back, cancelled, bake-failed). */
  compensation?: string[];
  /** What now serves, per region (succeeded, baked). */
  result?: { region: string; imageId?: string; instanceIds: string[] }[];
  approval?: ApprovalNotice;
}

/** Input of `notify`: one notification to one webhook. */
export interface NotifyInput {
  /** The webhook. Its `url` is a secret (it is the credential): sealed in history, never printed or logged. */
  webhook: { url: string; format: WebhookFormat };
  /** Names the webhook in messages instead of its URL: `notify.webhooks[0]`. */
  webhookName: string;
  notification: Notification;
}
export interface NotifyOutput {
  /** The HTTP status the webhook answered. */
  status: number;
}
