import { ScheduleOverlapPolicy, type ScheduleOptions, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { deployWorkflowId, redactUrl, type DeployRequest } from '../../contracts';
import type { nightlyBake } from '../../workflows';
import type { CommandContext } from '../context';
import { ExitCode } from '../exit-codes';
import type { BakeSchedule } from '../input/schedule-checks';
import { taskQueueOf } from '../options';
import type { CommandOutput } from '../results';
import { runMetadata, triggerOf, type Trigger } from '../run-metadata';
import { DEPLOY_WORKFLOWS, startingSearchAttributes } from '../workflow-start';
import type { RunFlags } from './deploy';
import { requireSealedRequest } from '../temporal';
import { nextRunsOf, upsertSchedule } from '../schedules';

/** The schedule's id: one nightly bake per app and environment. */
export function bakeScheduleId(app: string, env: string): string {
  return `nightly-bake/${app}/${env}`;
}

/** Creates the app/env's bake schedule, or updates it in place; returns it with its next runs. */
export async function scheduleBake(ctx: CommandContext, request: DeployRequest, schedule: BakeSchedule, flags: RunFlags): Promise<CommandOutput> {
  const scheduleId = bakeScheduleId(request.spec.app, request.env);
  const { client, namespace } = await ctx.temporal();
  requireSealedRequest(client, request);
  const options = scheduleOptions(scheduleId, request, schedule, taskQueueOf(flags.taskQueue, ctx.env), triggerOf(ctx.env));
  const created = await upsertSchedule(client, options);
  const nextRuns = await nextRunsOf(client, scheduleId);
  return {
    exitCode: ExitCode.OK,
    result: {
      kind: 'bake-scheduled',
      scheduleId,
      created,
      app: request.spec.app,
      version: request.version,
      ...(request.liveRelease ? { followsLiveRelease: true, artifactTemplate: redactUrl(request.liveRelease.artifactTemplateUrl) } : {}),
      cron: schedule.cron,
      timezone: schedule.timezone,
      note: options.state?.note ?? '',
      nextRuns,
      uiUrl: ctx.scheduleUiUrl(namespace, scheduleId),
    },
  };
}

/** What the schedule does, in a sentence the Web UI's schedule page shows. */
export function scheduleNote(request: DeployRequest, trigger: Trigger): string {
  const what = request.liveRelease
    ? `bakes the release live in ${request.env} (artifact ${redactUrl(request.liveRelease.artifactTemplateUrl)}) onto the newest base image`
    : `bakes ${request.spec.app} ${request.version} onto the newest base image`;
  return `${what}, so partial deploys launch from a freshly patched image; set up by ${trigger.url ?? trigger.text}`;
}

function scheduleOptions(scheduleId: string, request: DeployRequest, schedule: BakeSchedule, taskQueue: string, trigger: Trigger): ScheduleOptions {
  const metadata = runMetadata(request, trigger, { scheduleId, ...schedule });
  const action: ScheduleOptionsStartWorkflowAction<typeof nightlyBake> = {
    type: 'startWorkflow',
    workflowType: DEPLOY_WORKFLOWS.bake,
    args: [request],
    taskQueue,
    // Temporal appends the run's time, so every night has its own workflow in the Web UI.
    workflowId: deployWorkflowId(request.spec.app, request.env, 'bake'),
    typedSearchAttributes: startingSearchAttributes(request),
    staticSummary: metadata.staticSummary,
    staticDetails: metadata.staticDetails,
  };
  return {
    scheduleId,
    spec: { cronExpressions: [schedule.cron], timezone: schedule.timezone },
    action,
    // The schedule itself is found by the same attributes as its runs (`DeployApp = "shop"`).
    typedSearchAttributes: startingSearchAttributes(request).filter((pair) => pair.key.name !== 'DeployPhase'),
    state: { note: scheduleNote(request, trigger) },
    policies: {
      // A bake still running at the next tick is not doubled; a missed night is not replayed a year later.
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: '1 hour',
      pauseOnFailure: true,
    },
  };
}
