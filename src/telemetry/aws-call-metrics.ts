/**
 * AWS calls as metrics: every call, its retries and throttles, by service, operation and region,
 * counted by two SDK v3 middlewares beside (not inside) the rate limiter's, so each can change
 * alone. Emitted through the Temporal Runtime's metric meter: the same Prometheus endpoint as the
 * SDK's own metrics and the workflows'.
 */
import type { MetricMeter } from '@temporalio/common';
import type { FinalizeHandler, FinalizeHandlerArguments, HandlerExecutionContext, InitializeHandler, InitializeHandlerArguments, MetadataBearer } from '@smithy/types';
import type { RateLimiter } from '../aws/rate-limit';

/** The part of an SDK v3 client the middlewares need. */
interface HasMiddlewareStack {
  middlewareStack: {
    addRelativeTo(middleware: any, options: { relation: 'before' | 'after'; toMiddleware: string; name?: string; override?: boolean }): void;
    add(middleware: any, options: { step: 'initialize' | 'finalizeRequest'; priority?: 'high' | 'normal' | 'low'; name?: string; override?: boolean }): void;
    identify(): string[];
  };
}

/**
 * The error codes AWS throttles with, as the SDK's retry strategy classifies them
 * (`@smithy/service-error-classification`, THROTTLING_ERROR_CODES), and HTTP 429.
 */
const THROTTLING_CODES = new Set([
  'BandwidthLimitExceeded', 'EC2ThrottledException', 'LimitExceededException', 'PriorRequestNotComplete', 'ProvisionedThroughputExceededException',
  'RequestLimitExceeded', 'RequestThrottled', 'RequestThrottledException', 'SlowDown', 'ThrottledException', 'Throttling', 'ThrottlingException',
  'TooManyRequestsException', 'TransactionInProgressException',
]);

/** Whether an SDK error is AWS throttling the caller. */
export function isThrottling(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return THROTTLING_CODES.has(e?.Code ?? e?.name ?? '') || e?.$metadata?.httpStatusCode === 429;
}

/** The metrics one worker emits about AWS, made once. */
export class AwsCallMetrics {
  private readonly calls;
  private readonly retries;
  private readonly throttles;
  private readonly seconds;
  private readonly tokenWaits;

  constructor(meter: MetricMeter) {
    this.calls = meter.createCounter('hybrid_deploy_aws_calls_total', 'calls', 'AWS API calls, by service, operation, region and outcome (ok, throttled, error), retries included in one call');
    this.retries = meter.createCounter('hybrid_deploy_aws_retries_total', 'attempts', 'AWS API attempts beyond the first (the SDK retried), by service, operation and region');
    this.throttles = meter.createCounter('hybrid_deploy_aws_throttles_total', 'attempts', 'AWS API attempts throttled by AWS (RequestLimitExceeded, ThrottlingException, 429…), by service, operation and region');
    this.seconds = meter.createHistogram('hybrid_deploy_aws_call_duration_seconds', 'float', 's', 'AWS API call durations, retries and rate-limiter waits included, by service and operation');
    this.tokenWaits = meter.createHistogram('hybrid_deploy_rate_limiter_wait_seconds', 'float', 's', "How long calls waited for a token of the worker's own rate limiter, by service, bucket and region");
  }

  /** Adds the call and attempt counters to a client of `service` in `region`. */
  instrument(client: HasMiddlewareStack, service: string, region: string): void {
    client.middlewareStack.add(this.perCall(service, region), { step: 'initialize', priority: 'high', name: 'hybridDeployCallMetrics', override: true });
    const perAttempt = this.perAttempt(service, region);
    const hasRetry = client.middlewareStack.identify().some((entry) => entry.startsWith('retryMiddleware '));
    if (hasRetry) client.middlewareStack.addRelativeTo(perAttempt, { relation: 'after', toMiddleware: 'retryMiddleware', name: 'hybridDeployAttemptMetrics', override: true });
    else client.middlewareStack.add(perAttempt, { step: 'finalizeRequest', priority: 'high', name: 'hybridDeployAttemptMetrics', override: true });
  }

  /** Records every token the limiter hands out, with the time waited for it. */
  observe(limiter: RateLimiter): void {
    limiter.onWait(({ region, service, bucket, waitedMs }) => this.tokenWaits.record(waitedMs / 1000, { service, bucket, region }));
  }

  private perCall(service: string, region: string) {
    return (next: InitializeHandler<any, MetadataBearer>, context: HandlerExecutionContext) =>
      async (args: InitializeHandlerArguments<any>) => {
        const operation = operationOf(context);
        const started = performance.now();
        let outcome = 'ok';
        try {
          return await next(args);
        } catch (error) {
          outcome = isThrottling(error) ? 'throttled' : 'error';
          throw error;
        } finally {
          this.calls.add(1, { service, operation, region, outcome });
          this.seconds.record((performance.now() - started) / 1000, { service, operation });
        }
      };
  }

  private perAttempt(service: string, region: string) {
    return (next: FinalizeHandler<any, MetadataBearer>, context: HandlerExecutionContext) => {
      // The handler is built once per call; it runs once per attempt.
      let attempts = 0;
      return async (args: FinalizeHandlerArguments<any>) => {
        const labels = { service, operation: operationOf(context), region };
        if (++attempts > 1) this.retries.add(1, labels);
        try {
          return await next(args);
        } catch (error) {
          if (isThrottling(error)) this.throttles.add(1, labels);
          throw error;
        }
      };
    };
  }
}

/** `DescribeInstances`, from the command's name (`DescribeInstancesCommand`). */
function operationOf(context: HandlerExecutionContext): string {
  return (context.commandName ?? 'unknown').replace(/Command$/, '');
}
