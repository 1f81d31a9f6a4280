import { existsSync } from 'node:fs';
import { Client } from '@temporalio/client';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { workflowLookup } from './activities/ownership-proof';
import { pinnedDeploymentOptions, type WorkerVersion } from './worker-versioning';
import { sealingDataConverter, SealingCodec } from './codec';
import { activityRegion } from './telemetry/activity-region';

/** What a deploy worker needs; the production entry point and the tests fill it in. */
export interface DeployWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  activityDeps: ActivityDeps;
  /**
   * The payload codec (the one the CLI uses: same keys), so secrets are sealed in history. Without
   * it nothing is sealed, and a sealed payload fails loudly, naming the key it needs.
   */
  codec?: SealingCodec;
  /** A prebuilt workflow bundle (production); without it the workflows are bundled at start. */
  workflowBundlePath?: string;
  /** The Worker Deployment version this worker serves, its workflows pinned to it; unversioned when omitted. */
  version?: WorkerVersion;
  /** Extra worker options (e.g. concurrency limits). */
  tuning?: Partial<
    Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'shutdownGraceTime' | 'stickyQueueScheduleToStartTimeout'>
  >;
}

export { DEFAULT_WORKFLOW_BUNDLE } from './workflow-bundle';

/** Creates the worker that runs every deploy procedure and the one toolset. */
export async function createDeployWorker(options: DeployWorkerOptions): Promise<Worker> {
  const bundle = options.workflowBundlePath;
  const namespace = options.namespace ?? 'default';
  // The reaper asks Temporal whether a resource's deploy still runs: over the worker's own connection.
  const temporal = options.activityDeps.temporal ?? workflowLookup(new Client({ connection: options.connection, namespace }));
  return Worker.create({
    connection: options.connection,
    namespace,
    taskQueue: options.taskQueue,
    ...(bundle && existsSync(bundle) ? { workflowBundle: { codePath: bundle } } : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities({ ...options.activityDeps, temporal }),
    // Every activity's log lines and metrics name the region it acts in.
    interceptors: { activity: [activityRegion] },
    ...(options.version ? { workerDeploymentOptions: pinnedDeploymentOptions(options.version) } : {}),
    dataConverter: sealingDataConverter(options.codec ?? new SealingCodec({ keys: [], source: 'the worker was given no codec keys' })),
    shutdownGraceTime: '10 seconds',
    // After a worker dies, the server first offers a workflow's next task to the dead worker's
    // sticky queue and waits this long before any worker may take it (SDK default 10 s). Deploy
    // workflows are small to replay, so a short wait makes a crash cost seconds, not tens of them.
    stickyQueueScheduleToStartTimeout: '3 seconds',
    ...options.tuning,
  });
}
