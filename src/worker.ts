#!/usr/bin/env node
import { inspect } from 'node:util';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createAwsClients } from './aws/clients';
import { DEFAULT_CONSISTENCY_WINDOW_MS } from './aws/consistency';
import { rateLimitsFromEnv, shareBudgetWithFleet } from './aws/rate-limit';
import { DEFAULT_POLL_INTERVAL_MS } from './activities/deps';
import { codecFromEnv } from './codec';
import { createDeployWorker, DEFAULT_WORKFLOW_BUNDLE } from './deploy-worker';
import { TASK_QUEUE } from './task-queue';
import { installTelemetry, startProbes, telemetryFromEnv } from './telemetry';
import { loadTemporalSettings } from './temporal-settings';
import { workerVersionFromEnv } from './worker-versioning';

/**
 * The production worker. Temporal settings come from Temporal's environment config
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS, or a profile file), AWS
 * credentials from the default provider chain; neither ever travels in a workflow's input.
 * AWS calls go through a shared client-side rate limiter (see aws/rate-limit/).
 * SIGINT/SIGTERM drain it: running activities get the grace time to finish or heartbeat.
 * It logs JSON lines on stdout and, when asked, serves Prometheus metrics and health probes
 * (see telemetry/).
 */
async function main(): Promise<void> {
  // Client-side AWS rate limits are on by default, so concurrent deploys queue for tokens instead
  // of tripping EC2's throttling; HYBRID_DEPLOY_RATE_LIMITS=off turns them off, a JSON table
  // changes them. Read first: a bad value stops the worker before it connects or takes work.
  const rateLimits = rateLimitsFromEnv(process.env);
  const workflowBundlePath = process.env.HYBRID_DEPLOY_WORKFLOW_BUNDLE ?? DEFAULT_WORKFLOW_BUNDLE;
  // HYBRID_DEPLOY_DEPLOYMENT_NAME (and HYBRID_DEPLOY_BUILD_ID) make this a versioned worker whose
  // deploys are pinned to its build; unset, it runs unversioned. Checked before connecting, too.
  const version = workerVersionFromEnv(process.env, workflowBundlePath);
  // The codec keys (HYBRID_DEPLOY_CODEC_KEYS or _FILE), the same as the CLI's: secrets stay sealed in history.
  const codec = codecFromEnv(process.env);
  // Logs, metrics and probes (HYBRID_DEPLOY_LOG_LEVEL, _METRICS_ADDRESS, _HEALTH_ADDRESS): before anything logs.
  const telemetry = telemetryFromEnv(process.env);
  const awsMetrics = installTelemetry(telemetry);
  let worker: Awaited<ReturnType<typeof createDeployWorker>> | undefined;
  let connection: NativeConnection | undefined;
  const probes = await startProbes(telemetry, { worker: () => worker, connection: () => connection });
  const { connectionOptions, address, namespace } = loadTemporalSettings();
  connection = await NativeConnection.connect({ ...connectionOptions, address });
  const clients = createAwsClients({ rateLimits, configure: (client, service, region) => awsMetrics.instrument(client, service, region) });
  if (clients.rateLimiter) awsMetrics.observe(clients.rateLimiter);
  const pollIntervalMs = Number(process.env.HYBRID_DEPLOY_POLL_INTERVAL_MS ?? DEFAULT_POLL_INTERVAL_MS);
  // How long AWS may take to show what it just created (eventual consistency); see aws/consistency.ts.
  const consistencyWindowMs = Number(process.env.HYBRID_DEPLOY_CONSISTENCY_WINDOW_MS ?? DEFAULT_CONSISTENCY_WINDOW_MS);
  const taskQueue = process.env.HYBRID_DEPLOY_TASK_QUEUE ?? TASK_QUEUE;
  worker = await createDeployWorker({
    connection,
    namespace,
    taskQueue,
    activityDeps: { clients, pollIntervalMs, consistencyWindowMs, temporalUiUrl: process.env.TEMPORAL_UI_URL },
    codec,
    workflowBundlePath,
    version,
  });
  Runtime.instance().logger.info(
    version ? `Worker Deployment version ${version.deploymentName}:${version.buildId} (deploys pinned; make it current to receive new ones)` : 'Unversioned worker',
    { ...version, ...(telemetry.metricsAddress ? { metrics: `http://${telemetry.metricsAddress}/metrics` } : {}), ...(probes ? { probes: probes.address } : {}) },
  );
  // AWS's budget is per account and region, not per worker: with n workers on the task queue,
  // each takes 1/n of it (aws/rate-limit/fleet-share.ts).
  const logger = Runtime.instance().logger;
  const stopSharing = clients.rateLimiter
    ? shareBudgetWithFleet({
        connection,
        namespace,
        taskQueue,
        limiter: clients.rateLimiter,
        onChange: (workers) => logger.info(`AWS budget shared by ${workers} worker(s): this one takes 1/${workers}`, { workers }),
        onError: (error) => logger.warn('Could not count the workers sharing the AWS budget; the share is unchanged', { error: String(error) }),
      })
    : undefined;
  // The SDK's worker handles SIGINT/SIGTERM itself (graceful shutdown); run() resolves when drained.
  try {
    await worker.run();
  } finally {
    stopSharing?.();
    clients.destroy();
    await probes?.close();
    await connection.close();
  }
}

main().catch((error: unknown) => {
  // The process's last words, which may come before any logger exists (a bad setting): straight to
  // stderr, formatted as the runtime formats an uncaught error.
  process.stderr.write(`${inspect(error)}\n`);
  process.exit(1);
});
