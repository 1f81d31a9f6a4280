import { ActivityCancellationType, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { AWS_ACTIVITY_RETRY, clipSummary, type DeploySpec } from '../../contracts';

/** Retries for AWS work: the one retry layer, explained in contracts/retry-policy.ts. */
const AWS_RETRY: ActivityOptions['retry'] = AWS_ACTIVITY_RETRY;

/** A notification is a courtesy: retried through a webhook's hiccup (4 attempts over about 10 seconds), then given up, never failing the deploy. */
const NOTIFY_RETRY: ActivityOptions['retry'] = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 4 };

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
    preflight: summarized(quick.preflight),
    resolveBaseImage: summarized(quick.resolveBaseImage),
    findFleet: summarized(quick.findFleet),
    findLatestImage: summarized(quick.findLatestImage),
    tagInstances: summarized(quick.tagInstances),
    deregisterImage: summarized(quick.deregisterImage),
    // May read the artifact to learn its sha256 (heartbeating): as long as a command may take.
    findReusableImage: summarized(waiting(t.command).findReusableImage),
    launchInstances: summarized(waiting(t.instanceRunning + t.agentOnline).launchInstances),
    runOnInstances: summarized(waiting(t.command).runOnInstances),
    syncCode: summarized(waiting(t.command).syncCode),
    bakeAmi: summarized(waiting(t.instanceRunning + t.imageAvailable).bakeAmi),
    copyAmi: summarized(waiting(t.copyAvailable).copyAmi),
    smokeTest: summarized(waiting(spec.service.healthCheck.timeoutSeconds).smokeTest),
    shiftTraffic: summarized(waiting(t.targetHealthy + t.targetDrained).shiftTraffic),
    terminateInstances: summarized(waiting(t.instanceTerminated).terminateInstances),
    keepInstances: summarized(waiting(t.instanceRunning).keepInstances),
    notify: summarized(proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: NOTIFY_RETRY }).notify),
  };
}

/** An activity of the proxy, as `proxyActivities` returns it: callable, and callable with per-call options. */
interface ProxiedActivity<I, O> {
  (input: I): Promise<O>;
  executeWithOptions(options: ActivityOptions, args: [I]): Promise<O>;
}

/**
 * Every call of the toolset says what it does, in words the Web UI shows on the activity
 * (`launch 2 × t3.micro in us-west-2 from ami-…`), so a person reading a deploy's history sees
 * the region, the count and the image, not a bare activity name. The summary is required.
 */
function summarized<I, O>(activity: ProxiedActivity<I, O>): (input: I, summary: string) => Promise<O> {
  return (input, summary) => activity.executeWithOptions({ summary: clipSummary(summary) }, [input]);
}

export type Toolset = ReturnType<typeof toolset>;

/** Told when a step of the toolset starts and ends in a region. */
export interface StepTracker {
  started(region: string, step: string): void;
  ended(region: string, step: string): void;
}

/**
 * The toolset, telling `tracker` which step runs in which region (the `region` of its input,
 * the summary as the step's name), so progress shows the sub-step a region is in and for how long.
 */
export function trackSteps(tools: Toolset, tracker: StepTracker): Toolset {
  const tracked = {} as Record<string, (input: unknown, summary: string) => Promise<unknown>>;
  for (const [name, tool] of Object.entries(tools) as [string, (input: unknown, summary: string) => Promise<unknown>][]) {
    tracked[name] = async (input, summary) => {
      const region = (input as { region?: unknown }).region;
      if (typeof region !== 'string') return tool(input, summary);
      tracker.started(region, summary);
      try {
        return await tool(input, summary);
      } finally {
        tracker.ended(region, summary);
      }
    };
  }
  return tracked as Toolset;
}
