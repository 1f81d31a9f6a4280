/**
 * Runs a command's invocations for real: `/bin/sh` on each instance (see host/instance-shell),
 * at most `MaxConcurrency` at a time, stopping new deliveries once more than `MaxErrors` failed.
 */
import { seatOf } from '../ec2/instance-lifecycle';
import { spawnOnInstance } from '../host/instance-shell';
import { outputKey, TERMINAL_STATUSES, type CommandRecord, type InvocationRecord } from '../state/commands';
import type { SandboxState } from '../state/sandbox-state';
import { pingStatus } from './instance-information';

/** What AWS keeps of the output (GetCommandInvocation returns no more). */
export const STDOUT_LIMIT = 24_000;
export const STDERR_LIMIT = 8_000;

/** `"10"` → 10, `"25%"` → 25 % of `total` rounded up (at least 1 for concurrency). */
export function resolveLimit(spec: string, total: number, minimum: number): number {
  const pct = /^(\d+)%$/.exec(spec);
  if (pct) return Math.max(minimum, Math.ceil((Number(pct[1]) * total) / 100));
  return Math.max(minimum, Number(spec));
}

/** Schedules the command: invocations become visible, then run as capacity allows. */
export function dispatchCommand(state: SandboxState, command: CommandRecord): void {
  const queue = [...command.invocations.values()];
  const concurrency = resolveLimit(command.maxConcurrency, queue.length, 1);
  const maxErrors = resolveLimit(command.maxErrors, queue.length, 0);
  let running = 0;
  let errors = 0;
  const pump = (): void => {
    while (running < concurrency && queue.length) {
      const invocation = queue.shift() as InvocationRecord;
      if (TERMINAL_STATUSES.has(invocation.status)) continue; // cancelled while waiting
      if (errors > maxErrors) {
        finish(invocation, 'Cancelled', 'Cancelled', -1);
        continue;
      }
      running++;
      state.scheduler.track(
        `invocation ${command.id}/${invocation.instanceId}`,
        runInvocation(state, command, invocation).finally(() => {
          running--;
          // Undeliverable invocations do not count against MaxErrors, as in AWS.
          if (invocation.status !== 'Success' && invocation.statusDetails !== 'Undeliverable') errors++;
          pump();
        }),
      );
    }
  };
  state.scheduler.after(state.timings.commandVisibleMs + state.timings.commandStartMs, `command ${command.id}`, pump);
}

function finish(invocation: InvocationRecord, status: InvocationRecord['status'], details: string, code: number): void {
  invocation.status = status;
  invocation.statusDetails = details;
  invocation.responseCode = code;
  invocation.endedAt = new Date();
  invocation.cancel = undefined;
}

/**
 * Waits until the instance's agent can take the invocation. While it cannot (registered, but
 * `ConnectionLost`), the invocation is `Delayed` and delivery is retried; once the command's
 * `TimeoutSeconds` (the delivery timeout, scaled like every AWS duration) has passed it ends
 * `TimedOut` with `DeliveryTimedOut`, as AWS Run Command's status page describes. Resolves false
 * when there is nothing to run (cancelled meanwhile, timed out, the instance gone, the sandbox stopping).
 */
async function deliver(state: SandboxState, command: CommandRecord, invocation: InvocationRecord): Promise<boolean> {
  const deadline = command.requestedAt.getTime() + command.timeoutSeconds * 1000 * state.config.timeScale;
  const retryMs = Math.max(50, state.timings.commandStartMs);
  for (;;) {
    if (TERMINAL_STATUSES.has(invocation.status)) return false;
    const instance = state.instances.get(invocation.instanceId);
    if (!instance || instance.state === 'terminated' || instance.state === 'shutting-down') {
      finish(invocation, 'Failed', 'Undeliverable', -1);
      return false;
    }
    if (pingStatus(instance) === 'Online') return true;
    if (Date.now() >= deadline) {
      finish(invocation, 'TimedOut', 'DeliveryTimedOut', -1);
      return false;
    }
    invocation.status = 'Delayed';
    invocation.statusDetails = 'Delayed';
    if (!(await state.scheduler.sleep(Math.min(retryMs, deadline - Date.now())))) return false;
  }
}

async function runInvocation(state: SandboxState, command: CommandRecord, invocation: InvocationRecord): Promise<void> {
  if (!(await deliver(state, command, invocation))) return;
  const instance = state.instances.get(invocation.instanceId);
  if (!instance) return;
  invocation.status = 'InProgress';
  invocation.statusDetails = 'InProgress';
  invocation.startedAt = new Date();
  const child = spawnOnInstance(seatOf(state, instance), {
    script: (command.parameters.commands ?? []).join('\n'),
    workingDirectory: command.parameters.workingDirectory?.[0] || undefined,
  });
  // With an output bucket, the whole of each stream is kept for S3 (the agent uploads it when the command ends).
  const whole = command.outputS3 ? { stdout: [] as string[], stderr: [] as string[] } : undefined;
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    whole?.stdout.push(d);
    if (invocation.stdout.length < STDOUT_LIMIT) invocation.stdout = (invocation.stdout + d).slice(0, STDOUT_LIMIT);
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    whole?.stderr.push(d);
    if (invocation.stderr.length < STDERR_LIMIT) invocation.stderr = (invocation.stderr + d).slice(0, STDERR_LIMIT);
  });
  let ending: 'TimedOut' | 'Cancelled' | undefined;
  const killGroup = (): void => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already exited.
    }
  };
  invocation.cancel = () => {
    ending = 'Cancelled';
    killGroup();
  };
  const timeoutSeconds = Number(command.parameters.executionTimeout?.[0] ?? '3600');
  const timer = setTimeout(() => {
    ending = 'TimedOut';
    killGroup();
  }, timeoutSeconds * 1000);
  const exitCode = await new Promise<number>((resolve) => {
    child.on('error', (err) => {
      invocation.stderr += `sandbox: could not start the shell: ${err.message}`;
      resolve(-1);
    });
    // 'exit', then a short wait for the pipes: a daemon started without redirecting its output
    // keeps them open forever, and must not keep the command InProgress (a known SSM pitfall).
    child.on('exit', (code, signal) => {
      const result = code ?? (signal ? -1 : 0);
      const grace = setTimeout(() => resolve(result), 300);
      child.on('close', () => {
        clearTimeout(grace);
        resolve(result);
      });
    });
  });
  clearTimeout(timer);
  child.stdout?.destroy();
  child.stderr?.destroy();
  if (whole) await uploadOutput(state, command, invocation, whole);
  if (ending === 'Cancelled') finish(invocation, 'Cancelled', 'Cancelled', -1);
  else if (ending === 'TimedOut') finish(invocation, 'TimedOut', 'ExecutionTimedOut', -1);
  else if (exitCode === 0) finish(invocation, 'Success', 'Success', 0);
  else finish(invocation, 'Failed', 'Failed', exitCode);
}

/**
 * Writes an invocation's whole stdout and stderr to the command's output bucket before it reports
 * its end, as the agent uploads before it reports (SSM user guide, "Running commands": output to
 * Amazon S3); an empty stream is not written. A bucket the sandbox does not have loses the output,
 * as an agent without access would; the API's truncated output stays.
 */
async function uploadOutput(state: SandboxState, command: CommandRecord, invocation: InvocationRecord, whole: { stdout: string[]; stderr: string[] }): Promise<void> {
  const bucket = command.outputS3!.bucket;
  if (!state.objects.hasBucket(bucket)) {
    state.logger.warn({ bucket, commandId: command.id }, 'SendCommand output bucket does not exist: the whole output is lost');
    return;
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    const text = whole[stream].join('');
    if (text) await state.objects.put(bucket, outputKey(command, invocation.instanceId, stream)!, Buffer.from(text), 'text/plain; charset=utf-8');
  }
}
