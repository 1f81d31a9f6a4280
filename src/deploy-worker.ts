import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';

/** What a deploy worker needs; the production entry point and the tests fill it in. */
export interface DeployWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  activityDeps: ActivityDeps;
  /** A prebuilt workflow bundle (production); without it the workflows are bundled at start. */
  workflowBundlePath?: string;
  /** Extra worker options (e.g. concurrency limits). */
  tuning?: Partial<Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'shutdownGraceTime'>>;
}

/** Where `npm run build` writes the workflow bundle. */
export const DEFAULT_WORKFLOW_BUNDLE = join(__dirname, '..', 'workflow-bundle.js');

/** Creates the worker that runs every deploy procedure and the one toolset. */
export async function createDeployWorker(options: DeployWorkerOptions): Promise<Worker> {
  const bundle = options.workflowBundlePath;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    ...(bundle && existsSync(bundle) ? { workflowBundle: { codePath: bundle } } : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities(options.activityDeps),
    shutdownGraceTime: '10 seconds',
    ...options.tuning,
  });
}
