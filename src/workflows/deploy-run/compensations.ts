import { CancellationScope, CancelledFailure, log } from '@temporalio/workflow';
import { describe } from './failure-message';

interface UndoStep {
  id: number;
  name: string;
  undo: () => Promise<unknown>;
}

/**
 * Undo steps, run last-in-first-out when a deploy fails or is cancelled. Each step is added
 * *before* the work it undoes starts (undo steps find their resources by name or tag, so they
 * also clean up work whose ids never reached the workflow) and removed once that work is
 * committed. They run in a non-cancellable scope; an undo that fails is reported, never
 * swallowed, and does not stop the others.
 */
export class Compensations {
  private steps: UndoStep[] = [];
  private nextId = 0;

  /** Registers an undo step; call the returned function to drop it once the work is committed. */
  add(name: string, undo: () => Promise<unknown>): () => void {
    const id = this.nextId++;
    this.steps.push({ id, name, undo });
    return () => {
      this.steps = this.steps.filter((step) => step.id !== id);
    };
  }

  /**
   * Drops every step: the deploy has passed its point of no return. Refuses (throws a
   * `CancelledFailure`, so the steps run) when the deploy was cancelled meanwhile: an activity that
   * finished before its cancellation reached it (cancellation rides on heartbeats) resolves
   * normally, and must not carry a cancelled deploy past the point where it can still be undone.
   */
  commit(): void {
    if (CancellationScope.current().consideredCancelled) {
      throw new CancelledFailure('the deploy was cancelled before its point of no return');
    }
    this.steps = [];
  }

  /** Runs every step, newest first; returns a line per step saying how it went. */
  async run(): Promise<string[]> {
    const steps = this.steps.reverse();
    this.steps = [];
    const report: string[] = [];
    await CancellationScope.nonCancellable(async () => {
      for (const step of steps) {
        try {
          await step.undo();
          report.push(`ok: ${step.name}`);
        } catch (error) {
          // An activity's failure says only "Activity task failed": report the cause beneath it.
          const message = error instanceof Error ? describe(error) : String(error);
          log.error('compensation step failed', { step: step.name, error: message });
          report.push(`FAILED: ${step.name}: ${message}`);
        }
      }
    });
    return report;
  }
}
