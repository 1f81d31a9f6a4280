import type { CliDeps } from '../deps';
import { formatError, type CliError } from '../errors';
import { outcomeWords } from '../outcome';
import type { CommandResult } from '../results';
import { formatProgress, startedLines } from './deploy-lines';
import type { ProgressEvent, Renderer } from './renderer';

/** How a renderer shows errors. */
export interface RenderSettings {
  /** Stack traces (and causes) with errors. */
  debug: boolean;
}

/**
 * What the text and JSON renderers share: progress and errors as plain lines on stderr (a new
 * progress line only when something changed), and a one-line `error [CODE]` on stderr for a
 * result that is a failure. Each subclass prints results on stdout its own way.
 */
export abstract class PlainRenderer implements Renderer {
  private lastProgress = '';

  constructor(
    protected readonly deps: CliDeps,
    protected readonly settings: RenderSettings,
  ) {}

  progress(event: ProgressEvent): void {
    if (event.type === 'note') return this.log(event.message);
    if (event.type === 'started') return startedLines(event.target, event.link).forEach((line) => this.log(line));
    const line = formatProgress(event.status);
    if (line !== this.lastProgress) this.log(`[${event.elapsedSeconds.toFixed(1)}s] ${line}`);
    this.lastProgress = line;
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
}

/** `error [CODE]: …` for a result that reports a failure (its exit code is not 0), else undefined. */
function failureLine(result: CommandResult): string | undefined {
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
    default:
      return undefined;
  }
}
