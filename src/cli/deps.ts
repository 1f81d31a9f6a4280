import type { Client } from '@temporalio/client';

/**
 * Everything `exec` needs from the outside world, so tests run the CLI in-process: output
 * writers, the environment, and how to get a Temporal client.
 */
export interface CliDeps {
  /** Results: human text, or exactly one JSON document with `--json`. */
  stdout: (s: string) => void;
  /** Logs, progress and errors. */
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  /**
   * A Temporal client factory. When given, the caller owns the client's connection (exec never
   * closes it); when omitted, exec connects from the Temporal environment config
   * ({@link connectClient}) and closes the connection before returning.
   */
  connect?: () => Promise<Client>;
}

/** The real process: its streams and environment. */
export function defaultDeps(): CliDeps {
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    env: process.env,
  };
}
