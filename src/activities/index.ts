import { createApplyRetention } from './apply-retention';
import { createBakeAmi } from './bake-ami';
import { createCopyAmi } from './copy-ami';
import type { ActivityDeps } from './deps';
import { createDeregisterImage } from './deregister-image';
import { createFindFleet } from './find-fleet';
import { createFindLatestImage } from './find-latest-image';
import { createFindReusableImage } from './find-reusable-image';
import { createKeepInstances } from './keep-instances';
import { createLaunchInstances } from './launch-instances';
import { createNotify } from './notify';
import { createPreflight } from './preflight';
import { createReapExpired } from './reap';
import { createResolveBaseImage } from './resolve-base-image';
import { createRunOnInstances } from './run-on-instances';
import { createShiftTraffic } from './shift-traffic';
import { createSmokeTest } from './smoke-test';
import { createSyncCode } from './sync-code';
import { createTagInstances } from './tag-instances';
import { createTerminateInstances } from './terminate-instances';

/**
 * The one toolset every procedure is composed from. Workflows `import type` this and proxy it;
 * the worker calls it once with real dependencies.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    preflight: createPreflight(deps),
    resolveBaseImage: createResolveBaseImage(deps),
    launchInstances: createLaunchInstances(deps),
    runOnInstances: createRunOnInstances(deps),
    syncCode: createSyncCode(deps),
    bakeAmi: createBakeAmi(deps),
    copyAmi: createCopyAmi(deps),
    deregisterImage: createDeregisterImage(deps),
    smokeTest: createSmokeTest(deps),
    shiftTraffic: createShiftTraffic(deps),
    findFleet: createFindFleet(deps),
    findLatestImage: createFindLatestImage(deps),
    findReusableImage: createFindReusableImage(deps),
    tagInstances: createTagInstances(deps),
    terminateInstances: createTerminateInstances(deps),
    keepInstances: createKeepInstances(deps),
    reapExpired: createReapExpired(deps),
    applyRetention: createApplyRetention(deps),
    notify: createNotify(deps),
  };
}

/** The toolset's type, for `proxyActivities`. */
export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps, WorkflowLookup } from './deps';
