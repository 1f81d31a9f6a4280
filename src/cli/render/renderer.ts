import type { DeployStatus } from '../../workflows/messages';
import type { CliError } from '../errors';
import type { PendingActivity } from '../pending-activities';
import type { CommandResult, DeployTarget, RunLink } from '../results';

/** What a command reports while it works (all of it for people: stderr, or a live display). */
export type ProgressEvent =
  /** A workflow was started and the command now follows it. */
  | { type: 'started'; target: DeployTarget; link: RunLink }
  /**
   * A deploy being followed answered its `status` query; `pending` is what its activities'
   * heartbeats said; `at` is when (epoch ms), `elapsedSeconds` how long the command has waited.
   */
  | { type: 'status'; elapsedSeconds: number; at: number; status: DeployStatus; pending?: PendingActivity[] }
  /** A deploy being followed did not answer (no worker, say): why. */
  | { type: 'unanswered'; elapsedSeconds: number; at: number; reason: string }
  /** A sentence for the operator (what the command waits for, why a report is missing). */
  | { type: 'note'; message: string };

/**
 * Turns what commands report into output. Commands never write: they emit progress and return
 * a {@link CommandResult}; exec hands errors here. One renderer serves a whole run.
 */
export interface Renderer {
  progress(event: ProgressEvent): void;
  /** The command's one result (stdout). */
  result(result: CommandResult): void;
  /** The error the run ends with. */
  error(error: CliError): void;
  /** Whether results of finished deploys should carry their timeline (a CI job summary draws it). */
  readonly wantsTimeline?: boolean;
}
