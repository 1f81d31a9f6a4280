/**
 * The crash and durability harness, shared by `npm run reliability` and the jest suites: the world
 * (sandbox, Temporal, a production worker as a child process, the CLI), phase detection from
 * pending activities and the sandbox's truth, the audit of duplicates and orphans from the
 * sandbox's full resource list, and the crash scenarios themselves.
 */
export { DurabilityWorld, DURABILITY_TIMINGS, HEARTBEAT_SECONDS, worldDataConverter, type StartedDeploy } from './durability-world';
export { CrashPhases, PHASES_OF, observe, runTruth, waitForPhase, type CrashPhase } from './phases';
export { countDuplicates, findOrphans, fleetProblems, orphanCount, total, type Duplicates, type Orphans } from './audit';
export { resumptionAfter } from './history';
export { awaitResult, crashMatrix, DeployChain, QUICK_CRASHES, runCrash, runThrottled, summarize, type Outcome } from './scenarios';
export { runRestart, runServerRestart, runWorldRestart, type RestartOptions, type RestartOutcome, type RestartSetting, type RestartTarget } from './restart';
export { spawnWorker, workerEnv, workerEntryPoint, type WorkerProcess, type WorkerProcessOptions } from './worker-process';
