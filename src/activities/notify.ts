import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { NotifyInput, NotifyOutput } from '../contracts';
import type { ActivityDeps } from './deps';
import { webhookPayload } from './notify-payload';

/** How long one delivery attempt may take; the workflow's retry policy covers the rest. */
const ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * Delivers one notification to one webhook: a POST of the payload in the webhook's format. A 5xx,
 * a 408 or 429, a timeout or a network error is retried by the workflow's policy; any other 4xx
 * fails at once (no retry fixes a wrong or revoked URL). The URL is a secret: no message, error or
 * log line names it; the webhook is named by its place in the spec (`notify.webhooks[0]`).
 */
export function createNotify(deps: Pick<ActivityDeps, 'temporalUiUrl'>) {
  return async function notify(input: NotifyInput): Promise<NotifyOutput> {
    const { info, cancellationSignal } = Context.current();
    const uiUrl = deps.temporalUiUrl ? webUiLink(deps.temporalUiUrl, info.workflowNamespace ?? 'default', input.notification.workflowId, input.notification.runId) : undefined;
    const body = JSON.stringify(webhookPayload(input.webhook.format, input.notification, uiUrl));
    let response: Response;
    try {
      response = await fetch(input.webhook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'hybrid-deploy' },
        body,
        redirect: 'error',
        signal: AbortSignal.any([cancellationSignal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
      });
    } catch (error) {
      // The error's own message may quote the URL; keep only its kind.
      throw ApplicationFailure.create({ type: 'WebhookUnreachable', message: `${input.webhookName} could not be reached (${networkReason(error)})` });
    }
    // The body is the webhook's business (and may echo what it was sent): read it away, never keep it.
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return { status: response.status };
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    throw ApplicationFailure.create({
      type: 'WebhookFailed',
      nonRetryable: !retryable,
      message: `${input.webhookName} answered HTTP ${response.status}${retryable ? '' : ' (not retried: check the webhook in the spec)'}`,
    });
  };
}

/** The run's page in the Temporal Web UI. */
function webUiLink(base: string, namespace: string, workflowId: string, runId: string): string {
  return `${base.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${runId}/history`;
}

/** `timeout`, `ECONNREFUSED`, …: what went wrong, without the address. */
function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return error.name === 'TimeoutError' ? `no answer within ${ATTEMPT_TIMEOUT_MS / 1000}s` : 'cancelled';
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  return typeof cause?.code === 'string' ? cause.code : 'network error';
}
