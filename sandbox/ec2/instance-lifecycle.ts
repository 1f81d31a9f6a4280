/**
 * Instance state transitions and their real effects: root copy, boot scripts, process kills.
 *
 * Each transition bumps the instance's `generation`; a timer scheduled for an earlier transition
 * checks it and does nothing, so stop-during-launch and similar races resolve like AWS (the last
 * request wins).
 */
import { closeSync, openSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstanceStateName } from '@aws-sdk/client-ec2';
import { copyRoot } from '../host/image-roots';
import { spawnOnInstance, type InstanceSeat } from '../host/instance-shell';
import { killProcessesWithEnv } from '../host/process-tracker';
import type { InstanceRecord } from '../state/instances';
import type { SandboxState } from '../state/sandbox-state';

/** Where an instance's processes run, for the shell. */
export function seatOf(state: SandboxState, instance: InstanceRecord): InstanceSeat {
  return {
    sandboxId: state.sandboxId,
    instanceId: instance.id,
    region: instance.region,
    privateIp: instance.privateIp,
    root: instance.root,
    endpoint: state.endpoint,
    caBundlePath: state.caBundlePath,
  };
}

function setState(instance: InstanceRecord, next: InstanceStateName, reason = ''): number {
  instance.state = next;
  instance.stateTransitionReason = reason;
  return ++instance.generation;
}

/**
 * Moves the instance to `next` after `ms` and once `prerequisite` is done, unless another
 * transition happened meanwhile.
 */
function transitionLater(
  state: SandboxState,
  instance: InstanceRecord,
  ms: number,
  what: string,
  prerequisite: Promise<unknown>,
  then: () => Promise<void> | void,
): void {
  const generation = instance.generation;
  const started = Date.now();
  state.scheduler.track(
    what,
    prerequisite.then(() =>
      state.scheduler.after(ms - (Date.now() - started), what, () => {
        if (instance.generation === generation) return then();
      }),
    ),
  );
}

/** Snapshots still copying an instance's root; its root is not deleted before they finish. */
const rootReaders = new WeakMap<InstanceRecord, Set<Promise<unknown>>>();

/** Registers work that reads the instance's root (CreateImage), so termination waits for it. */
export function holdRoot(instance: InstanceRecord, work: Promise<unknown>): void {
  const readers = rootReaders.get(instance) ?? new Set();
  rootReaders.set(instance, readers);
  const settled = work.catch(() => undefined).finally(() => readers.delete(settled));
  readers.add(settled);
}

/** Kills every process of the instance (including escaped daemons). */
export async function killInstanceProcesses(instance: InstanceRecord): Promise<number> {
  return killProcessesWithEnv('SANDBOX_INSTANCE_ID', instance.id);
}

/** Kills every process of every instance of this sandbox. */
export async function killAllSandboxProcesses(state: SandboxState): Promise<number> {
  return killProcessesWithEnv('SANDBOX_ID', state.sandboxId);
}

/** A new instance is `pending`: copy its image's root, then become `running` and boot. */
export function beginLaunch(state: SandboxState, instance: InstanceRecord, imageRoot: string): void {
  const prepared = prepareRoot(imageRoot, instance);
  transitionLater(state, instance, state.timings.instanceLaunchMs, `launch ${instance.id}`, prepared, () => becomeRunning(state, instance));
}

async function prepareRoot(imageRoot: string, instance: InstanceRecord): Promise<void> {
  await copyRoot(imageRoot, instance.root);
  await mkdir(join(instance.root, 'opt/.sandbox/home'), { recursive: true });
  if (instance.userData !== undefined) {
    await writeFile(join(instance.root, 'opt/.sandbox/user-data'), Buffer.from(instance.userData, 'base64'), { mode: 0o755 });
  }
}

function becomeRunning(state: SandboxState, instance: InstanceRecord): void {
  const generation = setState(instance, 'running');
  instance.launchTime = new Date();
  instance.bootCount += 1;
  state.scheduler.track(`boot ${instance.id}`, runBoot(state, instance, generation));
  state.scheduler.after(state.timings.agentOnlineMs, `status ${instance.id}`, () => {
    if (instance.generation === generation) instance.statusOk = true;
  });
  // The SSM agent registers (UpdateInstanceInformation) only with a role that allows it, and
  // takes its time: 30 s to minutes on AWS (AWS Systems Manager guide, "Configure instance permissions").
  if (state.realism.ssmNeedsInstanceProfile && !instance.ssmAllowed) return;
  const registration = state.timings.agentOnlineMs + Math.floor(Math.random() * (state.realism.agentRegistrationJitterMs + 1));
  instance.agentRegistrationMs = registration;
  state.scheduler.after(registration, `agent ${instance.id}`, () => {
    if (instance.generation !== generation || instance.agentForcedOffline) return;
    instance.agent = 'online';
    instance.agentLastPing = new Date();
  });
}

/** StartInstances on a stopped instance. */
export function beginStart(state: SandboxState, instance: InstanceRecord): void {
  setState(instance, 'pending');
  transitionLater(state, instance, state.timings.instanceLaunchMs, `start ${instance.id}`, Promise.resolve(), () =>
    becomeRunning(state, instance),
  );
}

/** StopInstances: processes die now (a shutdown), the state reaches `stopped` after the profile's delay. */
export function beginStop(state: SandboxState, instance: InstanceRecord): void {
  setState(instance, 'stopping', `User initiated (${new Date().toISOString()})`);
  instance.stateReason = { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
  loseAgent(instance);
  transitionLater(state, instance, state.timings.instanceStopMs, `stop ${instance.id}`, killInstanceProcesses(instance), () => {
    instance.state = 'stopped';
    instance.stoppedAt = Date.now();
  });
}

/** TerminateInstances: processes die now; at `terminated` the IP is released and the root deleted. */
export function beginTerminate(state: SandboxState, instance: InstanceRecord): void {
  setState(instance, 'shutting-down', `User initiated (${new Date().toISOString()})`);
  instance.stateReason = { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
  loseAgent(instance);
  transitionLater(state, instance, state.timings.instanceTerminateMs, `terminate ${instance.id}`, killInstanceProcesses(instance), async () => {
    instance.state = 'terminated';
    instance.terminatedAt = Date.now();
    state.ips.release(instance.privateIp);
    await Promise.allSettled([...(rootReaders.get(instance) ?? [])]);
    // A boot still copying the image root or a dying process still writing can refill a folder
    // while it is removed (ENOTEMPTY); rm retries those.
    await rm(instance.root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });
}

/** CreateImage without NoReboot on a running instance: kill everything, let `snapshot` run, boot again. */
export async function rebootAround(state: SandboxState, instance: InstanceRecord, snapshot: () => Promise<void>): Promise<void> {
  const generation = instance.generation;
  await killInstanceProcesses(instance);
  await snapshot();
  if (instance.generation === generation && instance.state === 'running') {
    instance.bootCount += 1;
    await runBoot(state, instance, generation);
  }
}

function loseAgent(instance: InstanceRecord): void {
  if (instance.agent === 'online') instance.agent = 'connection-lost';
  instance.statusOk = false;
}

/**
 * Boot: every executable file in `/opt/boot.d` in name order (the stand-in for systemd units),
 * then, on the first boot only, user data that starts with `#!` (as cloud-init runs it). Each is
 * awaited up to `bootScriptWaitMs`, so a script that stays in the foreground delays the next one
 * but never blocks boot. Output goes to `/opt/.sandbox/boot.log`.
 */
async function runBoot(state: SandboxState, instance: InstanceRecord, generation: number): Promise<void> {
  const bootDir = join(instance.root, 'opt/boot.d');
  const names = (await readdir(bootDir).catch(() => [] as string[])).sort();
  const scripts: string[] = [];
  for (const name of names) {
    const info = await stat(join(bootDir, name)).catch(() => undefined);
    if (info?.isFile() && (info.mode & 0o111) !== 0) scripts.push(`/opt/boot.d/${name}`);
  }
  if (instance.bootCount === 1 && instance.userData !== undefined && Buffer.from(instance.userData, 'base64').subarray(0, 2).toString() === '#!') {
    scripts.push('/opt/.sandbox/user-data');
  }
  for (const script of scripts) {
    if (instance.generation !== generation) return;
    await runBootScript(state, instance, script);
  }
}

async function runBootScript(state: SandboxState, instance: InstanceRecord, script: string): Promise<void> {
  await mkdir(join(instance.root, 'opt/.sandbox'), { recursive: true });
  const log = openSync(join(instance.root, 'opt/.sandbox/boot.log'), 'a');
  try {
    const child = spawnOnInstance(seatOf(state, instance), {
      script: `echo "== boot: ${script} ($(date -u +%FT%TZ))"; exec '${script}'`,
      stdio: ['ignore', log, log],
    });
    child.unref();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, state.timings.bootScriptWaitMs);
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code !== 0) state.logger.warn({ instanceId: instance.id, script, code }, 'boot script failed');
        resolve();
      });
      child.on('error', (err) => {
        clearTimeout(timer);
        state.logger.error({ err, instanceId: instance.id, script }, 'boot script did not start');
        resolve();
      });
    });
  } finally {
    closeSync(log);
  }
}
