import type { DeployStatus } from '../../workflows/messages';
import type { CliError } from '../errors';
import type { PendingActivity } from '../pending-activities';
import type { CommandResult } from '../results';
import { describeTarget, pendingOf, phaseLine, regionLine } from './deploy-lines';
import type { ProgressEvent } from './renderer';
import { TextRenderer } from './text-renderer';

/** ANSI: to the start of the line `n` lines up, then clear to the end of the screen. */
const up = (n: number) => `\x1b[${n}F\x1b[J`;

/**
 * For a person at a terminal: the deploy's progress as a block of lines on stderr — the run and
 * its phase, then every region with its step, what it waits for and for how long — redrawn in
 * place at every poll, so the elapsed times tick and nothing scrolls away. Notes print above the
 * block; the last block stays on screen when the run ends. Results are the text renderer's.
 */
export class LiveRenderer extends TextRenderer {
  private drawn = 0;
  private block: string[] = [];

  override progress(event: ProgressEvent): void {
    if (event.type === 'status') return this.draw(blockOf(event.status, event.pending, event.at));
    if (event.type === 'unanswered') return this.draw([...this.block.slice(0, 1), `  no progress report: ${event.reason}`]);
    this.clear();
    super.progress(event);
    this.redraw();
  }

  override result(result: CommandResult): void {
    this.settle();
    super.result(result);
  }

  override error(error: CliError): void {
    this.settle();
    super.error(error);
  }

  private draw(lines: string[]): void {
    this.block = lines;
    this.clear();
    this.redraw();
  }

  private redraw(): void {
    if (this.block.length === 0) return;
    const width = Math.max(20, (this.deps.terminal?.columns ?? 80) - 1);
    // A line wider than the terminal wraps, and the cursor would go up too few lines: cut it.
    this.deps.stderr(`${this.block.map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line)).join('\n')}\n`);
    this.drawn = this.block.length;
  }

  private clear(): void {
    if (this.drawn > 0) this.deps.stderr(up(this.drawn));
    this.drawn = 0;
  }

  /** The run ended: the last block stays where it is, and output continues below it. */
  private settle(): void {
    this.drawn = 0;
    this.block = [];
  }
}

function blockOf(status: DeployStatus, pending: PendingActivity[] | undefined, at: number): string[] {
  return [
    `${describeTarget(status)} · ${phaseLine(status, at)}`,
    ...Object.entries(status.regions).map(([region, progress]) => `  ${regionLine(region, progress, pendingOf(region, status, pending), at)}`),
  ];
}
