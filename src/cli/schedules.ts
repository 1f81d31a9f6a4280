import { ScheduleAlreadyRunning, type Client, type ScheduleOptions } from '@temporalio/client';
import { temporalError } from './errors';

/** Creates the schedule, or replaces the spec, action, note and attributes of the existing one. True when created. */
export async function upsertSchedule(client: Client, options: ScheduleOptions): Promise<boolean> {
  try {
    await client.schedule.create(options);
    return true;
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw temporalError(`cannot create schedule ${options.scheduleId}`, error);
  }
  try {
    await client.schedule.getHandle(options.scheduleId).update((previous) => ({
      ...previous,
      spec: options.spec,
      action: options.action,
      policies: options.policies,
      typedSearchAttributes: options.typedSearchAttributes,
      // A schedule paused after a failed bake stays paused: updating it is no proof the cause is fixed.
      state: { ...previous.state, note: options.state?.note },
    }));
  } catch (error) {
    throw temporalError(`cannot update schedule ${options.scheduleId}`, error);
  }
  return false;
}

/** The schedule's next three run times (ISO), as `bake --schedule` and `housekeeping --schedule` print them. */
export async function nextRunsOf(client: Client, scheduleId: string): Promise<string[]> {
  try {
    return (await client.schedule.getHandle(scheduleId).describe()).info.nextActionTimes.slice(0, 3).map((d) => d.toISOString());
  } catch (error) {
    throw temporalError(`cannot describe schedule ${scheduleId}`, error);
  }
}
