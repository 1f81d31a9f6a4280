import { ApplicationFailure } from '@temporalio/common';

/** One thing that would make a deploy fail: the spec field it concerns, and what to do. */
export interface PreflightProblem {
  path: string;
  message: string;
}

/** Collects problems, and what was checked or could not be. */
export class Findings {
  readonly problems: PreflightProblem[] = [];
  readonly checked: string[] = [];
  readonly unchecked: string[] = [];

  problem(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  /**
   * Runs one check. A permanent AWS refusal of the check itself (no permission to describe, an
   * operation the endpoint lacks) becomes a problem at `path` saying so; a transient error
   * (throttling, 5xx) is thrown, for the caller's retry layer.
   */
  async check(path: string, what: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
      this.checked.push(what);
    } catch (error) {
      if (!(error instanceof ApplicationFailure) || !error.nonRetryable) throw error;
      this.problem(path, `cannot check ${what}: ${error.message}`);
    }
  }
}
