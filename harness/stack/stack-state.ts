import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/** A process the local stack started, recognisable again after the stack itself died. */
export interface TrackedProcess {
  name: string;
  pid: number;
  /** The kernel's start time of the process (`/proc/<pid>/stat` field 22): a pid reused by another process does not match. */
  startTicks: number;
}

/**
 * The local stack's record of its processes (`.hybrid-deploy/stack.json`). A stack whose parent
 * was killed (`kill -9` of the demo) leaves them running — the dev server holding the SQLite
 * store and the Web UI's port, the sandbox with its instances, the worker, a waiting CLI — and
 * the next stack stops exactly those, by pid and start time, before it starts its own.
 */
export class StackState {
  private processes: TrackedProcess[] = [];

  constructor(private readonly file: string) {}

  /** Records a process this stack started. */
  track(name: string, pid: number | undefined): void {
    const startTicks = pid ? startTicksOf(pid) : undefined;
    if (!pid || startTicks === undefined) return;
    this.processes.push({ name, pid, startTicks });
    this.save();
  }

  /**
   * Stops what an earlier stack left running (SIGTERM, then SIGKILL after `graceMs`), newest
   * first, so a waiting CLI and the worker go before the servers they talk to. Returns the names
   * of the processes it stopped.
   */
  async stopLeftovers(graceMs = 15_000): Promise<string[]> {
    let recorded: TrackedProcess[] = [];
    try {
      recorded = JSON.parse(readFileSync(this.file, 'utf8')) as TrackedProcess[];
    } catch {
      return [];
    }
    const stopped = await stopAll(recorded, graceMs);
    rmSync(this.file, { force: true });
    return stopped;
  }

  /** Stops every process this stack recorded that still runs (a CLI it started, say), and forgets them. */
  async stopOwn(graceMs = 15_000): Promise<void> {
    await stopAll(this.processes, graceMs);
    this.processes = [];
    rmSync(this.file, { force: true });
  }

  private save(): void {
    writeFileSync(this.file, `${JSON.stringify(this.processes, null, 2)}\n`);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`, newest first; the names of those that were still running. */
async function stopAll(processes: TrackedProcess[], graceMs: number): Promise<string[]> {
  const alive = processes.filter((p) => startTicksOf(p.pid) === p.startTicks).reverse();
  for (const p of alive) {
    signal(p.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (startTicksOf(p.pid) === p.startTicks && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (startTicksOf(p.pid) === p.startTicks) signal(p.pid, 'SIGKILL');
  }
  return alive.map((p) => `${p.name} (pid ${p.pid})`);
}

/** A live process's start time in clock ticks since boot; undefined when it is gone (or a zombie). */
export function startTicksOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined;
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone already.
  }
}
