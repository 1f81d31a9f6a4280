/**
 * The production worker as a child process (spawn with env, SIGKILL, wait for RUNNING). The code
 * lives in scripts/lib so that `npm run reliability` (compiled from scripts/, which cannot import
 * test/) uses the very same harness as the jest tests.
 */
export { spawnWorker, workerEnv, workerEntryPoint, type WorkerProcess, type WorkerProcessOptions } from '../../scripts/lib/worker-process';
