/**
 * Finds and kills an instance's processes wherever they went.
 *
 * Every process an instance starts inherits `SANDBOX_INSTANCE_ID=<id>` (and `SANDBOX_ID=<sandbox>`)
 * in its environment, so scanning `/proc/<pid>/environ` finds daemons that escaped the shell
 * (`nohup … &`, `setsid`), which a process-group kill would miss. A process that rewrites its
 * environment (`env -i`) escapes this; the README says so.
 */
import { readdir, readFile } from 'node:fs/promises';

/** Pids whose environment holds `key=value`. */
export async function findProcessesWithEnv(key: string, value: string): Promise<number[]> {
  const needle = Buffer.from(`${key}=${value}\0`);
  const pids: number[] = [];
  const entries = await readdir('/proc').catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
      .map(async (e) => {
        try {
          const env = await readFile(`/proc/${e}/environ`);
          // Match at the start or after a NUL so `X=i-1` does not match `X=i-12`.
          if (env.subarray(0, needle.length).equals(needle) || env.includes(Buffer.concat([Buffer.from('\0'), needle]))) {
            pids.push(Number(e));
          }
        } catch {
          // The process exited between readdir and readFile, or is a kernel thread: not ours.
        }
      }),
  );
  return pids;
}

/**
 * SIGKILLs every process carrying the marker, rescanning until none is left, because a dying
 * shell may fork once more between a scan and the kill. Returns how many were killed.
 */
export async function killProcessesWithEnv(key: string, value: string, maxRounds = 20): Promise<number> {
  let killed = 0;
  for (let round = 0; round < maxRounds; round++) {
    const pids = await findProcessesWithEnv(key, value);
    const alive = [];
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
        alive.push(pid);
      } catch {
        // Already gone.
      }
    }
    if (alive.length === 0) return killed;
    // Zombies keep their environ readable until reaped; give the parent a moment.
    await new Promise((r) => setTimeout(r, 20));
  }
  return killed;
}
