import { CronExpressionParser } from 'cron-parser';
import type { InputProblem } from '../../request/load';

/** When a scheduled bake runs: a five-field cron expression in an IANA time zone. */
export interface BakeSchedule {
  cron: string;
  timezone: string;
}

/** The schedule flags of `bake`. */
export interface ScheduleFlags {
  schedule?: string;
  timezone?: string;
  wait?: boolean;
}

/**
 * One part of a cron field as Temporal's schedule parser reads it: `*`, a number or a name
 * (`jan`, `mon`), an optional range end, an optional step. Temporal supports neither `L`, `W`,
 * `#`, `?` nor `H`, which cron libraries accept.
 */
const TEMPORAL_CRON_PART = /^(\*|\d+|[a-z]{3})(-(\d+|[a-z]{3}))?(\/\d+)?$/i;

/** An IANA zone name (`UTC`, `Europe/Berlin`, `Etc/GMT+5`): no offsets such as `+01:00`, which Temporal's server cannot load. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/**
 * Checks `--schedule`, `--timezone` and how they combine, before anything is created: a cron
 * expression Temporal cannot run, a zone that does not exist, a time zone without a schedule,
 * and `--wait` (a schedule runs later; there is nothing to wait for). Problems join `problems`.
 */
export function checkSchedule(flags: ScheduleFlags, problems: InputProblem[], what = 'bake'): BakeSchedule | undefined {
  if (flags.schedule === undefined) {
    if (flags.timezone !== undefined) problems.push({ path: '--timezone', message: `only applies with --schedule (a ${what} without one runs now)` });
    return undefined;
  }
  if (flags.wait) problems.push({ path: '--wait', message: `cannot be combined with --schedule (the schedule starts each ${what} later: follow them in the Web UI)` });
  const cron = checkCron(flags.schedule.trim(), problems);
  const timezone = flags.timezone === undefined ? 'UTC' : checkTimezone(flags.timezone, problems);
  return cron && timezone ? { cron, timezone } : undefined;
}

function checkCron(cron: string, problems: InputProblem[]): string | undefined {
  const refuse = (message: string) => void problems.push({ path: '--schedule', message: `${JSON.stringify(cron)} ${message}` });
  const fields = cron.split(/\s+/);
  if (fields.length !== 5) return refuse('is not a five-field cron expression (minute hour day-of-month month day-of-week, e.g. "0 3 * * *")');
  const unsupported = fields.flatMap((field) => field.split(',')).find((part) => !TEMPORAL_CRON_PART.test(part));
  if (unsupported !== undefined) {
    return refuse(`uses ${JSON.stringify(unsupported)}, which Temporal schedules do not read (use *, numbers, ranges 1-5, steps */15, lists 1,15 and names such as mon or jan)`);
  }
  try {
    // The library checks ranges and dates that never come (31 February); a next run proves it fires.
    CronExpressionParser.parse(cron, { tz: 'UTC' }).next();
  } catch (error) {
    return refuse(`is not a valid cron expression: ${(error as Error).message}`);
  }
  return cron;
}

function checkTimezone(timezone: string, problems: InputProblem[]): string | undefined {
  const refuse = (message: string) => void problems.push({ path: '--timezone', message: `${JSON.stringify(timezone)} ${message}` });
  let canonical: string;
  try {
    if (!ZONE_NAME.test(timezone)) throw new RangeError('not a zone name');
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return refuse('is not a time zone (an IANA name such as UTC, Europe/Berlin or America/New_York)');
  }
  // Zone names are file names on the Temporal server: the spelling must be exact.
  if (canonical !== timezone && canonical.toLowerCase() === timezone.toLowerCase()) return refuse(`is spelled differently: write it as ${JSON.stringify(canonical)}`);
  return timezone;
}
