/**
 * Crash-test building blocks shared with `npm run reliability` (see scripts/lib): the world
 * (sandbox, dev server, worker child, CLI), phase detection from pending activities and the
 * sandbox's truth, and the audit of duplicates and orphans from `control.resources()`.
 */
export { DurabilityWorld, DURABILITY_TIMINGS, HEARTBEAT_SECONDS, type StartedDeploy } from '../../scripts/lib/durability-world';
export { CrashPhases, PHASES_OF, observe, runTruth, waitForPhase, type CrashPhase } from '../../scripts/lib/phases';
export { countDuplicates, findOrphans, fleetProblems, orphanCount, total, type Duplicates, type Orphans } from '../../scripts/lib/audit';
export { resumptionAfter } from '../../scripts/lib/history';
export { awaitResult, crashMatrix, DeployChain, QUICK_CRASHES, runCrash, runServerRestart, runThrottled, type Outcome } from '../../scripts/lib/scenarios';
