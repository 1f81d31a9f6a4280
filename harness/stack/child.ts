import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A child process of the local stack, with a way to stop it and wait. */
export interface StackProcess {
  name: string;
  child: ChildProcess;
  /** Resolves once the process has exited, with its code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True until the process has exited. */
  alive(): boolean;
  /** Sends `signal` (default SIGTERM), then SIGKILL after the grace time; resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a child process; `stop()` sends SIGTERM (or the signal given), then SIGKILL after `graceMs`. */
export function startProcess(name: string, command: string, args: string[], options: SpawnOptions, graceMs = 15_000): StackProcess {
  const child = spawn(command, args, options);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
    // A command that cannot be spawned at all exits without ever running.
    child.once('error', () => resolveExit({ code: -1, signal: null }));
  });
  const alive = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  return {
    name,
    child,
    exited,
    alive,
    stop: async (signal = 'SIGTERM') => {
      if (!alive()) return;
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.kill(signal);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Resolves with the first stdout line of a child (e.g. a JSON hello), or rejects if it exits first. */
export function firstLine(child: ChildProcess, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolveLine, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`no output within ${timeoutMs} ms`)), timeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolveLine(line);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${signal ?? code} before printing anything`));
    });
  });
}
