import { ActivityCancellationType, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { DeploySpec } from '../../contracts';

/** Retries for AWS work: throttling and 5xx get time to pass; permanent errors are non-retryable by type. */
const AWS_RETRY: ActivityOptions['retry'] = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 };

/**
 * The toolset as a workflow sees it: each activity with an option preset fitted to its work.
 * Short lookups get a short timeout; every waiting activity heartbeats, so a worker that dies
 * mid-wait is noticed after `timeouts.heartbeat` and the wait resumes on another worker, and its
 * start-to-close bound is the spec's own bound for that wait plus slack.
 */
export function toolset(spec: DeploySpec) {
  const t = spec.timeouts;
  // A cancelled deploy waits for each running activity to finish cancelling, so compensation never
  // looks for resources while a launch is still creating them.
  const cancellationType = ActivityCancellationType.WAIT_CANCELLATION_COMPLETED;
  const quick = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry: AWS_RETRY, cancellationType });
  const waiting = (seconds: number) =>
    proxyActivities<Activities>({
      startToCloseTimeout: `${seconds + 120} seconds`,
      heartbeatTimeout: `${t.heartbeat} seconds`,
      retry: AWS_RETRY,
      cancellationType,
    });
  return {
    resolveBaseImage: quick.resolveBaseImage,
    findFleet: quick.findFleet,
    findLatestImage: quick.findLatestImage,
    tagInstances: quick.tagInstances,
    deregisterImage: quick.deregisterImage,
    launchInstances: waiting(t.instanceRunning + t.agentOnline).launchInstances,
    runOnInstances: waiting(t.command).runOnInstances,
    syncCode: waiting(t.command).syncCode,
    bakeAmi: waiting(t.instanceRunning + t.imageAvailable).bakeAmi,
    copyAmi: waiting(t.copyAvailable).copyAmi,
    smokeTest: waiting(spec.service.healthCheck.timeoutSeconds).smokeTest,
    shiftTraffic: waiting(t.targetHealthy + t.targetDrained).shiftTraffic,
    terminateInstances: waiting(t.instanceTerminated).terminateInstances,
    keepInstances: waiting(t.instanceRunning).keepInstances,
  };
}

export type Toolset = ReturnType<typeof toolset>;
