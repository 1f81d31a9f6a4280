import type { CliDeps } from '../deps';
import { formatError, type CliError } from '../errors';
import { outcomeWords } from '../outcome';
import type { CommandResult } from '../results';
import { formatDuration } from '../timeline/timeline';
import { pendingOf, regionLine, startedLines } from './deploy-lines';
import type { ProgressEvent, Renderer } from './renderer';

/** How a renderer shows errors. */
export interface RenderSettings {
  /** Stack traces (and causes) with errors. */
  debug: boolean;
}

/** A log with no new line for this long gets one anyway, so a CI job never looks stuck. */
export const QUIET_LIMIT_MS = 30_000;

/**
 * What the text and JSON renderers share: progress and errors as plain lines on stderr, fit for
 * a CI log — a line when the phase changes, a line per region when its phase, step or wait
 * changes, and, when nothing changed for {@link QUIET_LIMIT_MS}, every busy region again with
 * its elapsed time — and a one-line `error [CODE]` on stderr for a result that is a failure.
 * Each subclass prints results on stdout its own way.
 */
export abstract class PlainRenderer implements Renderer {
  private lastPhase = '';
  private readonly lastRegionLines = new Map<string, string>();
  private lastLogAt?: number;

  constructor(
    protected readonly deps: CliDeps,
    protected readonly settings: RenderSettings,
  ) {}

  progress(event: ProgressEvent): void {
    if (event.type === 'note') return this.log(event.message);
    if (event.type === 'started') return startedLines(event.target, event.link).forEach((line) => this.log(line));
    const stamp = `[${formatDuration(event.elapsedSeconds * 1000)}]`;
    if (event.type === 'unanswered') {
      if (this.quietFor(event.at)) this.logAt(event.at, `${stamp} no progress report: ${event.reason}`);
      return;
    }
    const { status, at } = event;
    const lines: string[] = [];
    if (status.phase !== this.lastPhase) lines.push(`${stamp} phase ${status.phase}`);
    this.lastPhase = status.phase;
    const busy: string[] = [];
    for (const [region, progress] of Object.entries(status.regions)) {
      const line = regionLine(region, progress, pendingOf(region, status, event.pending), at);
      // The elapsed time grows every poll: a region has changed when anything but it did.
      const key = line.replace(/ · [\dhms.]+$/, '');
      if (this.lastRegionLines.get(region) !== key) lines.push(`${stamp}   ${line}`);
      else if (!['done', 'failed', 'cancelled'].includes(progress.phase)) busy.push(`${stamp}   ${line}`);
      this.lastRegionLines.set(region, key);
    }
    if (lines.length === 0 && this.quietFor(at)) lines.push(...(busy.length ? busy : [`${stamp} phase ${status.phase}`]));
    for (const line of lines) this.logAt(at, line);
  }

  result(result: CommandResult): void {
    this.print(result);
    const failure = failureLine(result);
    if (failure) this.log(failure);
  }

  error(error: CliError): void {
    this.deps.stderr(formatError(error, this.settings.debug));
  }

  /** Prints the result on stdout. */
  protected abstract print(result: CommandResult): void;

  protected out(line: string): void {
    this.deps.stdout(`${line}\n`);
  }

  protected log(line: string): void {
    this.deps.stderr(`${line}\n`);
  }

  private logAt(at: number, line: string): void {
    this.lastLogAt = at;
    this.log(line);
  }

  private quietFor(at: number): boolean {
    if (this.lastLogAt === undefined) this.lastLogAt = at;
    return at - this.lastLogAt >= QUIET_LIMIT_MS;
  }
}

/** `error [CODE]: …` for a result that reports a failure (its exit code is not 0), else undefined. */
export function failureLine(result: CommandResult): string | undefined {
  switch (result.kind) {
    case 'deploy-finished': {
      if (result.outcome === 'succeeded') return undefined;
      const what = result.procedure === 'bake' ? 'the bake' : 'the deploy';
      const how =
        result.outcome === 'failed'
          ? 'failed (what it created was undone: see the compensation report)'
          : result.outcome === 'cancelled'
            ? 'was cancelled (what it created was undone: see the compensation report)'
            : `${outcomeWords(result.outcome)} (nothing was undone: hybrid-deploy reap removes what it left)`;
      return `error [${result.code}]: ${what} ${how}`;
    }
    case 'cancel-finished':
      return result.outcome === 'cancelled' ? undefined : `error [CANCEL_TOO_LATE]: the deploy closed as ${result.status} before the cancellation took effect`;
    case 'reap-finished':
      return result.outcome === 'succeeded' ? undefined : `error [${result.code}]: the reaper ${outcomeWords(result.outcome)}: ${result.error}`;
    case 'housekeeping-finished':
      return result.outcome === 'succeeded' ? undefined : `error [${result.code}]: housekeeping ${outcomeWords(result.outcome)}: ${result.error}`;
    case 'preflight-checked':
      return result.ok ? undefined : `error [PREFLIGHT_FAILED]: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} found: fix them before deploying`;
    default:
      return undefined;
  }
}
