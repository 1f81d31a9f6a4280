import { Command } from 'commander';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { deploySearchAttributes, type DeployRequest, deployWorkflowId } from '../../contracts';
import { TASK_QUEUE } from '../../task-queue';
import type { CommandContext } from '../context';
import { temporalError } from '../deploys';
import { CliError, ErrorCode, Fault } from '../errors';
import { ExitCode } from '../exit-codes';
import { bakeRequest, runDeploy, WORKFLOW_TYPES, type DeployOptions } from './deploy';

interface BakeOptions extends Omit<DeployOptions, 'procedure' | 'batchSize' | 'minHealthy'> {
  schedule?: string;
  timezone?: string;
}

/**
 * `hybrid-deploy bake …`: bake the image and copy it to every region, now (`--wait` to follow
 * it), or on a Temporal Schedule (`--schedule "0 3 * * *"`) so partial deploys always launch
 * from a freshly patched image. Running it again with `--schedule` updates the schedule.
 */
export function bakeCommand(ctx: CommandContext): Command {
  return new Command('bake')
    .description('bake the image and copy it to every region (no fleet changes), now or on a schedule')
    .option('--spec <file>', 'the deploy spec (YAML or JSON)')
    .option('--env <env>', 'the environment the images are tagged with, e.g. prod')
    .option('--version <version>', 'the release baked into the image, e.g. 1.4.2')
    .option('--artifact <url>', 'the release artifact: s3://bucket/key, https://… or file:///abs/path')
    .option('--sha256 <hex>', "the artifact's sha256")
    .option('--schedule <cron>', 'create or update a Temporal Schedule instead of baking now, e.g. "0 3 * * *"')
    .option('--timezone <tz>', 'the schedule\'s time zone (default UTC), e.g. Europe/Berlin')
    .option('--wait', 'wait for the bake to finish, showing progress on stderr')
    .option('--json', 'print one JSON document on stdout')
    .option('--task-queue <queue>', `the workers' task queue (default: $HYBRID_DEPLOY_TASK_QUEUE or ${TASK_QUEUE})`)
    .option('--debug', 'show stack traces')
    .action(async (options: BakeOptions) => {
      ctx.exitCode = options.schedule ? await scheduleBake(ctx, options) : await runDeploy(ctx, options, 'bake');
    });
}

/** The schedule's id: one nightly bake per app and environment. */
export function bakeScheduleId(app: string, env: string): string {
  return `nightly-bake/${app}/${env}`;
}

async function scheduleBake(ctx: CommandContext, options: BakeOptions): Promise<number> {
  const request = bakeRequest(options);
  const cron = options.schedule!.trim();
  if (cron.split(/\s+/).length !== 5) {
    throw new CliError(ErrorCode.INVALID_INPUT, `--schedule: ${JSON.stringify(cron)} is not a five-field cron expression (e.g. "0 3 * * *")`, {
      exitCode: ExitCode.INVALID_INPUT,
      fault: Fault.USER,
    });
  }
  const taskQueue = options.taskQueue || ctx.env.HYBRID_DEPLOY_TASK_QUEUE || TASK_QUEUE;
  const scheduleId = bakeScheduleId(request.spec.app, request.env);
  const { client, namespace } = await ctx.temporal();
  const schedule = scheduleOptions(scheduleId, request, cron, options.timezone ?? 'UTC', taskQueue);
  const created = await upsertSchedule(client, schedule);
  const base = (ctx.env.TEMPORAL_UI_URL || 'http://localhost:8233').replace(/\/+$/, '');
  const uiUrl = `${base}/namespaces/${encodeURIComponent(namespace)}/schedules/${encodeURIComponent(scheduleId)}`;
  const next = (await client.schedule.getHandle(scheduleId).describe()).info.nextActionTimes.slice(0, 3).map((d) => d.toISOString());
  if (options.json) ctx.json({ scheduleId, created, cron, nextRuns: next, uiUrl });
  else {
    ctx.out(`${created ? 'created' : 'updated'} schedule ${scheduleId}: bake ${request.spec.app} ${request.version} at "${cron}" (${options.timezone ?? 'UTC'})`);
    ctx.out(`  next runs: ${next.join(', ')}`);
    ctx.out(`  ui:        ${uiUrl}`);
  }
  return ExitCode.OK;
}

function scheduleOptions(scheduleId: string, request: DeployRequest, cron: string, timezone: string, taskQueue: string): ScheduleOptions {
  return {
    scheduleId,
    spec: { cronExpressions: [cron], timezone },
    action: {
      type: 'startWorkflow',
      workflowType: WORKFLOW_TYPES.bake,
      args: [request],
      taskQueue,
      // Temporal appends the run's time, so every night has its own workflow in the Web UI.
      workflowId: deployWorkflowId(request.spec.app, request.env, 'bake'),
      typedSearchAttributes: deploySearchAttributes({ app: request.spec.app, env: request.env, procedure: 'bake', version: request.version }, 'starting'),
    },
    policies: {
      // A bake still running at the next tick is not doubled; a missed night is not replayed a year later.
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: '1 hour',
      pauseOnFailure: true,
    },
  };
}

/** Creates the schedule, or replaces the spec and action of the existing one. True when created. */
async function upsertSchedule(client: Client, options: ScheduleOptions): Promise<boolean> {
  try {
    await client.schedule.create(options);
    return true;
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw temporalError(`cannot create schedule ${options.scheduleId}`, error);
  }
  try {
    await client.schedule.getHandle(options.scheduleId).update((previous) => ({ ...previous, spec: options.spec, action: options.action, policies: options.policies }));
  } catch (error) {
    throw temporalError(`cannot update schedule ${options.scheduleId}`, error);
  }
  return false;
}
