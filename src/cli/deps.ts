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
  /** Set when stderr is a terminal: progress is then drawn in place, this many columns wide. */
  terminal?: { columns: number };
  /**
   * A Temporal client factory. When given, the caller owns the client's connection (exec never
   * closes it); when omitted, exec connects from the Temporal environment config
   * ({@link connectClient}) and closes the connection before returning.
   */
  connect?: () => Promise<Client>;
}

/**
 * The real process: its streams and environment. A reader that goes away (`hybrid-deploy status
 * | head`) closes the pipe under stdout; the write then fails with EPIPE, which Node reports as
 * an unhandled stream error with a stack trace. Here the CLI stops writing to that stream
 * instead and carries on, so it ends quietly with its own exit code.
 */
export function defaultDeps(): CliDeps {
  return {
    stdout: quietWhenClosed(process.stdout),
    stderr: quietWhenClosed(process.stderr),
    env: process.env,
    ...(process.stderr.isTTY ? { terminal: { columns: process.stderr.columns || 80 } } : {}),
  };
}

function quietWhenClosed(stream: NodeJS.WriteStream): (s: string) => void {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
  });
  return (s) => {
    if (!closed) stream.write(s);
  };
}
