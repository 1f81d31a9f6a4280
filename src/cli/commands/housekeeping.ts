import { Command } from 'commander';
import { ScheduleOverlapPolicy, type ScheduleOptions, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { DeploySpec } from '../../contracts';
import type { housekeeping, HousekeepingInput } from '../../workflows/housekeeping';
import type { CommandContext } from '../context';
import { ExitCode } from '../exit-codes';
import { checkSchedule, type BakeSchedule, type ScheduleFlags } from '../input/schedule-checks';
import { Flags, readFlags, taskQueueOf, type RawFlags } from '../options';
import type { CommandOutput } from '../results';
import { triggerOf } from '../run-metadata';
import { nextRunsOf, upsertSchedule } from '../schedules';
import { housekeepingFinished, housekeepingInput, readCatalogFlags, runHousekeepingNow, type CatalogFlags } from './housekeeping-run';

/** The `housekeeping` flags, one value each. */
export interface HousekeepingFlags extends CatalogFlags, ScheduleFlags {
  dryRun?: boolean;
}

/** The schedule's id: one housekeeping schedule per app. */
export function housekeepingScheduleId(app: string): string {
  return `housekeeping/${app}`;
}

/**
 * `hybrid-deploy housekeeping --spec F [--dry-run] [--schedule CRON [--timezone TZ]]`: the
 * spec's retention policy and the reaper for its app, now (printing what was removed and why,
 * and the storage kept and freed), or as one Temporal Schedule that runs them (created, or
 * updated in place when it exists).
 */
export function housekeepingCommand(ctx: CommandContext): Command {
  return new Command('housekeeping')
    .description("apply the spec's image retention and reap what deploys left behind, now or on a schedule")
    .addOption(Flags.spec("the deploy spec (its app, regions and retention are used)"))
    .addOption(Flags.dryRun())
    .addOption(Flags.schedule('create or update a Temporal Schedule instead of running now: five cron fields, e.g. "0 4 * * *"'))
    .addOption(Flags.timezone())
    .addOption(Flags.now())
    .addOption(Flags.taskQueue())
    .action(async (raw: RawFlags<HousekeepingFlags>) => {
      const { flags, problems } = readFlags(raw);
      const schedule = checkSchedule(flags, problems, 'housekeeping run');
      const { spec, now } = readCatalogFlags(flags, problems, 'housekeeping');
      const input = housekeepingInput(spec, { dryRun: flags.dryRun ?? false, ...(now ? { now } : {}) });
      if (schedule) {
        ctx.finish(await scheduleHousekeeping(ctx, spec, input, schedule, flags));
        return;
      }
      const { link, report, failed } = await runHousekeepingNow(ctx, input, flags.taskQueue);
      ctx.finish(failed ?? housekeepingFinished(link, report!));
    });
}

/** What the schedule does, in a sentence the Web UI's schedule page shows. */
export function housekeepingNote(spec: DeploySpec, dryRun: boolean, setUpBy: string): string {
  const { keep, minAgeDays } = spec.retention;
  const what = dryRun ? 'reports (dry run: removes nothing) what housekeeping would remove' : 'deregisters';
  return (
    `${what} ${dryRun ? 'among' : ''} ${spec.app}'s images in ${spec.regions.join(', ')} beyond the newest ${keep} and older than ${minAgeDays} days ` +
    `(never one in use or the newest), with their snapshots, and reaps expired builders and failed images; set up by ${setUpBy}`
  ).replace(/\s+/g, ' ');
}

async function scheduleHousekeeping(ctx: CommandContext, spec: DeploySpec, input: HousekeepingInput, schedule: BakeSchedule, flags: HousekeepingFlags): Promise<CommandOutput> {
  const scheduleId = housekeepingScheduleId(spec.app);
  const { client, namespace } = await ctx.temporal();
  const trigger = triggerOf(ctx.env);
  const note = housekeepingNote(spec, input.dryRun ?? false, trigger.url ?? trigger.text);
  // A scheduled run judges ages by its own clock, never by a --now given when it was set up.
  const { now: _fixedClock, ...scheduledInput } = input;
  const action: ScheduleOptionsStartWorkflowAction<typeof housekeeping> = {
    type: 'startWorkflow',
    workflowType: 'housekeeping',
    args: [scheduledInput],
    taskQueue: taskQueueOf(flags.taskQueue, ctx.env),
    // Temporal appends the run's time, so every run has its own workflow in the Web UI.
    workflowId: housekeepingScheduleId(spec.app),
    staticSummary: `housekeeping of ${spec.app}${input.dryRun ? ' (dry run)' : ''}: keep ${spec.retention.keep}, ${spec.retention.minAgeDays} days`,
  };
  const options: ScheduleOptions = {
    scheduleId,
    spec: { cronExpressions: [schedule.cron], timezone: schedule.timezone },
    action,
    state: { note },
    // A sweep still running at the next tick is not doubled; a missed one is not replayed later.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
  };
  const created = await upsertSchedule(client, options);
  const nextRuns = await nextRunsOf(client, scheduleId);
  return {
    exitCode: ExitCode.OK,
    result: { kind: 'housekeeping-scheduled', scheduleId, created, app: spec.app, dryRun: input.dryRun ?? false, cron: schedule.cron, timezone: schedule.timezone, note, nextRuns, uiUrl: ctx.scheduleUiUrl(namespace, scheduleId) },
  };
}
