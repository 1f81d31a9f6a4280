import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StackState, startTicksOf } from '../../harness/stack/stack-state';

/** Resolves when the child has exited (its exit is the condition, not a time). */
const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

/**
 * A local stack whose parent was killed leaves its processes running; the next stack stops
 * exactly those — recognised by pid and start time, so a reused pid is never signalled.
 */
describe('the local stack record of its processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hd-stack-state-'));

  it('stops what an earlier stack left running, by pid and start time', async () => {
    const file = join(dir, 'stack.json');
    const leftover = spawn('sleep', ['300'], { stdio: 'ignore' });
    new StackState(file).track('sleeper', leftover.pid);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual([{ name: 'sleeper', pid: leftover.pid, startTicks: startTicksOf(leftover.pid!) }]);

    const stopped = await new StackState(file).stopLeftovers();
    await exited(leftover);
    expect(stopped).toEqual([`sleeper (pid ${leftover.pid})`]);
    expect(leftover.signalCode).toBe('SIGTERM');
    expect(await new StackState(file).stopLeftovers()).toEqual([]);
  });

  it('leaves alone a process whose pid matches but whose start time does not (the pid was reused)', async () => {
    const file = join(dir, 'reused.json');
    const other = spawn('sleep', ['300'], { stdio: 'ignore' });
    writeFileSync(file, JSON.stringify([{ name: 'old worker', pid: other.pid, startTicks: startTicksOf(other.pid!)! - 1 }]));
    expect(await new StackState(file).stopLeftovers()).toEqual([]);
    expect(startTicksOf(other.pid!)).toBeDefined();
    other.kill('SIGKILL');
    await exited(other);
  });
});
