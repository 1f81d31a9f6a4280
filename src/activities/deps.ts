import type { AwsClients } from './aws/clients';

/** What every activity is built from: injected so tests and the worker choose them. */
export interface ActivityDeps {
  clients: AwsClients;
  /** Pause between polls of a slow AWS state (image, instance, command, target health). */
  pollIntervalMs: number;
}

/** Production defaults: AWS states change over seconds to minutes; polling faster only burns API budget. */
export const DEFAULT_POLL_INTERVAL_MS = 5_000;
