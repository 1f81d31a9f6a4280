import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A child process of the local stack, with a way to stop it and wait. */
export interface StackProcess {
  name: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a child process; `stop()` sends SIGTERM, then SIGKILL after `graceMs`. */
export function startProcess(name: string, command: string, args: string[], options: SpawnOptions, graceMs = 15_000): StackProcess {
  const child = spawn(command, args, options);
  return {
    name,
    child,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
        const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', () => {
          clearTimeout(killer);
          resolveStop();
        });
        child.kill('SIGTERM');
      }),
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
