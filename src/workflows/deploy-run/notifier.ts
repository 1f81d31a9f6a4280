import { CancellationScope, log } from '@temporalio/workflow';
import type { Notification, NotifyEvent } from '../../contracts';
import type { DeploySpec } from '../../contracts';
import type { DeployStatus } from '../messages';
import { describe } from './failure-message';
import { recordNotification } from './run-metrics';
import type { Toolset } from './toolset';

/** What a notification is about: the parts of a run it is built from. */
export interface NotifiedRun {
  spec: DeploySpec;
  status: DeployStatus;
  tools: Toolset;
  owner: { workflowId: string; runId: string };
}

/**
 * Tells the spec's webhooks about the run. Each delivery is the `notify` activity (retried),
 * started at once and not awaited, so a slow webhook never holds a deploy back; a delivery that
 * still fails is recorded in the status (`notificationFailures`) and logged, never thrown: a
 * failing webhook never fails a deploy. Deliveries run outside cancellation, so a cancelled deploy
 * is still reported. {@link flush} waits for every delivery (the run does before it ends).
 */
export class Notifier {
  private pending: Promise<void>[] = [];

  constructor(
    private readonly run: NotifiedRun,
    /** False for runs that report through another (a mutable deploy's rolling-sync children). */
    private readonly enabled: boolean,
  ) {}

  /** Sends `event` to every webhook that subscribed to it. */
  send(event: NotifyEvent, details: Partial<Notification> = {}): void {
    if (!this.enabled) return;
    // A spec from before notifications existed has no `notify`.
    const webhooks = this.run.spec.notify?.webhooks ?? [];
    const notification = this.notification(event, details);
    webhooks.forEach((webhook, index) => {
      if (!webhook.events.includes(event)) return;
      const webhookName = `notify.webhooks[${index}]`;
      const delivery = CancellationScope.nonCancellable(() =>
        this.run.tools.notify({ webhook: { url: webhook.url, format: webhook.format }, webhookName, notification }, `notify ${webhookName} (${webhook.format}): ${event}`),
      ).then(
        () => recordNotification(event, webhook.format, 'delivered'),
        (error: unknown) => {
          const message = `${event} → ${webhookName}: ${error instanceof Error ? describe(error) : String(error)}`;
          (this.run.status.notificationFailures ??= []).push(message);
          recordNotification(event, webhook.format, 'failed');
          log.warn('a webhook notification failed; the deploy goes on', { event, webhook: webhookName, error: message });
        },
      );
      this.pending.push(delivery);
    });
  }

  /** Waits until every delivery started so far has ended (delivered or given up). */
  async flush(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    await Promise.all(pending);
  }

  private notification(event: NotifyEvent, details: Partial<Notification>): Notification {
    const { status, owner, spec } = this.run;
    return {
      event,
      procedure: status.procedure,
      app: status.app,
      env: status.env,
      version: status.version,
      workflowId: owner.workflowId,
      runId: owner.runId,
      at: new Date(Date.now()).toISOString(),
      regions: spec.regions,
      ...details,
    };
  }
}
