/**
 * How an operator sees a worker: JSON logs, Prometheus metrics and health probes, set up from the
 * environment before the worker connects (a bad setting stops it there, naming the variable).
 *
 * | variable | default | what |
 * |---|---|---|
 * | `HYBRID_DEPLOY_METRICS_ADDRESS` | off | `host:port` of the Prometheus endpoint (`/metrics`): the SDK's metrics and the deploy's |
 * | `HYBRID_DEPLOY_HEALTH_ADDRESS` | off | `host:port` of the probes (`/livez`, `/readyz`) |
 * | `HYBRID_DEPLOY_LOG_LEVEL` | `INFO` | `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR` |
 *
 * Both endpoints are off unless set: several workers share a host in tests and small setups, and
 * a fixed default port would make the second one fail to start.
 */
import { Runtime, type LogLevel, type NativeConnection, type Worker } from '@temporalio/worker';
import { AwsCallMetrics } from './aws-call-metrics';
import { parseBindAddress, startHealthServer, type HealthServer } from './health';
import { jsonWorkerLogger, logLevelFromEnv } from './worker-logger';

export { activityRegion } from './activity-region';
export { AwsCallMetrics, isThrottling } from './aws-call-metrics';
export { parseBindAddress, startHealthServer, type HealthServer } from './health';
export { jsonWorkerLogger, logLevelFromEnv, LOG_LEVEL_ENV } from './worker-logger';

export const METRICS_ADDRESS_ENV = 'HYBRID_DEPLOY_METRICS_ADDRESS';
export const HEALTH_ADDRESS_ENV = 'HYBRID_DEPLOY_HEALTH_ADDRESS';

/** The worker's telemetry settings. */
export interface TelemetrySettings {
  logLevel: LogLevel;
  metricsAddress?: string;
  healthAddress?: string;
}

/** Reads and checks the settings; throws naming the variable and the fix. */
export function telemetryFromEnv(env: NodeJS.ProcessEnv): TelemetrySettings {
  const address = (name: string): string | undefined => {
    const value = env[name]?.trim();
    if (!value || value === 'off') return undefined;
    try {
      parseBindAddress(value);
    } catch (error) {
      throw new Error(`${name}: ${(error as Error).message}, or off`);
    }
    return value;
  };
  return { logLevel: logLevelFromEnv(env), metricsAddress: address(METRICS_ADDRESS_ENV), healthAddress: address(HEALTH_ADDRESS_ENV) };
}

/** Histogram buckets in seconds, fitted to what each measures (the default tops out too low for a bake). */
const BUCKETS: Record<string, number[]> = {
  hybrid_deploy_step_duration_seconds: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
  hybrid_deploy_deploy_duration_seconds: [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400],
  hybrid_deploy_approval_wait_seconds: [60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400],
  hybrid_deploy_aws_call_duration_seconds: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  hybrid_deploy_rate_limiter_wait_seconds: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
};

/**
 * Installs the Temporal Runtime with the JSON logger (core's logs forwarded to it) and, when an
 * address is set, the Prometheus exporter; returns the AWS metrics to attach to the worker's clients.
 */
export function installTelemetry(settings: TelemetrySettings): AwsCallMetrics {
  const verbose = settings.logLevel === 'TRACE' || settings.logLevel === 'DEBUG';
  Runtime.install({
    logger: jsonWorkerLogger(settings.logLevel),
    telemetryOptions: {
      logging: { forward: {}, filter: { core: verbose ? settings.logLevel : 'WARN', other: 'ERROR' } },
      ...(settings.metricsAddress
        ? { metrics: { prometheus: { bindAddress: settings.metricsAddress, useSecondsForDurations: true, histogramBucketOverrides: BUCKETS } } }
        : {}),
    },
  });
  return new AwsCallMetrics(Runtime.instance().metricMeter);
}

/** Starts the probes when an address is set. */
export function startProbes(settings: TelemetrySettings, target: { worker(): Worker | undefined; connection(): NativeConnection | undefined }): Promise<HealthServer | undefined> {
  return settings.healthAddress ? startHealthServer(settings.healthAddress, target) : Promise.resolve(undefined);
}
