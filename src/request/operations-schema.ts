import { z } from 'zod';
import { NOTIFY_EVENTS, WEBHOOK_FORMATS } from '../contracts/notifications';

/*
 * The spec's operating sections: the approval gate, who hears about deploys, and where the whole
 * output of every command is kept.
 */

/**
 * A manual approval before traffic moves (immutable and partial: every new fleet launched and
 * verified, not yet live; mutable: the first batch of every region placed, verified and back in
 * service as a canary). `hybrid-deploy deploy --require-approval` asks for it on one deploy.
 */
export const ApprovalSchema = z.strictObject({
  required: z.boolean().default(false),
  /** Nobody decided within this many hours: the deploy compensates, as after a rejection. */
  timeoutHours: z.number().positive().max(24 * 7).default(4),
});

/**
 * A webhook URL is its own credential (a Slack URL's path is the secret): never quoted in an
 * error, sealed in workflow history by the payload codec (its field is named `url`).
 */
const webhookUrl = z.string().refine(
  (value) => {
    if (/\s/.test(value)) return false;
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '' && url.username === '' && url.password === '';
    } catch {
      return false;
    }
  },
  { error: 'is not an http(s) URL without user:password@ (not shown: a webhook URL is a secret)' },
);

/** One webhook: where, in which format, for which events (all by default). */
export const WebhookSchema = z.strictObject({
  url: webhookUrl,
  format: z.enum(WEBHOOK_FORMATS).default('json'),
  events: z.array(z.enum(NOTIFY_EVENTS)).min(1).default([...NOTIFY_EVENTS]),
});

/** Who hears about deploys: webhooks (Slack-compatible or JSON). */
export const NotifySchema = z.strictObject({
  webhooks: z.array(WebhookSchema).max(10).default([]),
});

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KEY_PREFIX = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/;

/**
 * Where SSM keeps the whole output of every command the product runs (SSM's API returns only the
 * first 24,000 characters of stdout, 8,000 of stderr): `SendCommand`'s `OutputS3BucketName` and
 * `OutputS3KeyPrefix`. `hybrid-deploy logs` reads it back.
 */
export const CommandOutputSchema = z.strictObject({
  s3Bucket: z.string().regex(BUCKET_NAME, { error: (issue) => `${JSON.stringify(issue.input)} is not an S3 bucket name (3-63 of a-z, 0-9, . and -, e.g. my-deploy-logs)` }),
  s3KeyPrefix: z
    .string()
    .max(300)
    .regex(KEY_PREFIX, { error: (issue) => `${JSON.stringify(issue.input)} is not a key prefix (segments of A-Z a-z 0-9 ! _ . * ' ( ) - joined by /, e.g. hybrid-deploy/commands)` })
    .default('hybrid-deploy'),
});

export type Webhook = z.output<typeof WebhookSchema>;
export type CommandOutputSettings = z.output<typeof CommandOutputSchema>;
