import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActivityCancellationDetails, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { buildExampleArtifact, readExampleSpec } from '../../examples/example-app';
import { BASE_IMAGE_IDS, SECURITY_GROUP_IDS, startSandbox, SUBNET_IDS, type RunningSandbox } from '../../sandbox';
import { createActivities, type Activities } from '../../src/activities';
import { createAwsClients, type AwsClients } from '../../src/aws/clients';
import type { LaunchInstancesInput, Ownership } from '../../src/contracts';
import { parseDeploySpec } from '../../src/request/load';
import { until } from '../helpers/outcomes';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
/** Longer than any test may take: an activity that is still asleep when cancelled would never end in time. */
const NEVER_POLL_AGAIN_MS = 10 * 60_000;
/** How long the sandbox keeps a new image `pending`: time for a first attempt to be cancelled mid-wait. */
const IMAGE_PENDING_MS = 2_000;

/** What one attempt of an activity heartbeated, and a way to cancel it at a chosen heartbeat. */
interface Attempt {
  env: MockActivityEnvironment;
  heartbeats: Record<string, unknown>[];
  /** Runs an activity in this attempt's context. */
  run<I, O>(activity: (input: I) => Promise<O>, input: I): Promise<O>;
}

/**
 * How an attempt ends early: the deploy cancelled it (the workflow gave up on the step, so the
 * activity undoes what it made), or it was lost (its worker died: Temporal times the attempt out
 * and a retry resumes what it made).
 */
type Ending = 'cancelled' | 'lost';

/**
 * An attempt of an activity in a `MockActivityEnvironment`, as a worker would run it: attempt N
 * gets the previous attempt's last heartbeat details. `cancelWhen` ends it at the first
 * heartbeat whose details satisfy it (as Temporal delivers a cancellation with a heartbeat).
 */
function attempt(number: number, previous?: Attempt, cancelWhen?: (details: Record<string, unknown>) => boolean, ending: Ending = 'lost'): Attempt {
  const env = new MockActivityEnvironment({ attempt: number, heartbeatDetails: previous?.heartbeats.at(-1), heartbeatTimeoutMs: 10_000, startToCloseTimeoutMs: 600_000 });
  const heartbeats: Record<string, unknown>[] = [];
  env.on('heartbeat', (details: Record<string, unknown>) => {
    // A copy: the activity goes on changing the objects it heartbeats.
    heartbeats.push(structuredClone(details));
    if (!cancelWhen?.(details)) return;
    if (ending === 'cancelled') env.cancel('CANCELLED', new ActivityCancellationDetails({ cancelRequested: true }));
    else env.cancel('TIMED_OUT', new ActivityCancellationDetails({ timedOut: true }));
  });
  return { env, heartbeats, run: (activity, input) => env.run(activity, input) };
}

describe('waiting activities: heartbeat resume and cancellation (MockActivityEnvironment, against the sandbox)', () => {
  let sandbox: RunningSandbox;
  let clients: AwsClients;
  /** Activities that poll at once (a retry that should finish). */
  let quick: Activities;
  /** Activities that would sleep ten minutes between polls: only a cancellation ends their wait in time. */
  let patient: Activities;
  let work: string;

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'sandbox';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'sandbox';
    sandbox = await startSandbox({ profile: 'instant', timings: { imageCreateMs: IMAGE_PENDING_MS, imageCopyMs: IMAGE_PENDING_MS } });
    clients = createAwsClients({ endpoint: sandbox.endpoint });
    quick = createActivities({ clients, pollIntervalMs: 50 });
    patient = createActivities({ clients, pollIntervalMs: NEVER_POLL_AGAIN_MS });
    work = mkdtempSync(join(tmpdir(), 'hd-heartbeat-'));
  });
  afterAll(async () => {
    clients?.destroy();
    await sandbox?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const ownerOf = (version = '1.0.0'): Ownership => ({ app: 'example-app', env: 'mock', version, workflowId: `mock/${randomUUID()}`, runId: randomUUID() });
  const launchInput = (owner: Ownership, count: number): LaunchInstancesInput => ({
    region: EAST, imageId: BASE_IMAGE_IDS[EAST], count, instanceType: 't3.micro', subnetIds: [...SUBNET_IDS[EAST]], securityGroupIds: [SECURITY_GROUP_IDS[EAST]],
    owner, role: 'fleet', step: 'fleet', timeouts: { instanceRunning: 60, agentOnline: 60 },
  });
  /** Instances running with their agent online, ready for commands. */
  const launch = async (count = 1) => (await attempt(1).run(quick.launchInstances, launchInput(ownerOf(), count))).instances;
  const calls = () => sandbox.control.calls();
  const callsOf = async (action: string) => (await calls())[action] ?? 0;
  const rootOf = async (instanceId: string) => (await sandbox.control.resources()).instances.find((i) => i.id === instanceId)!.root;

  describe('runCommands (runOnInstances)', () => {
    /** Waits for /opt/go on the instance, then records that it ran. */
    const GATED = ['while [ ! -e /opt/go ]; do sleep 0.05; done', 'echo ran >> /opt/runs', 'cat /opt/runs'];

    it('ends with a CancelledFailure as soon as its deploy cancels it while it waits, and cancels its command (CancelCommand)', async () => {
      const [instance] = await launch();
      const first = attempt(1, undefined, (d) => 'waiting' in d, 'cancelled');
      const run = first.run(patient.runOnInstances, { region: EAST, instanceIds: [instance.instanceId], commands: GATED, comment: 'gated', timeoutSeconds: 600 });
      await expect(run).rejects.toBeInstanceOf(CancelledFailure);
      expect(first.heartbeats[0]).toEqual({ commandIds: [expect.any(String)] });
      const [commandId] = (first.heartbeats[0] as { commandIds: string[] }).commandIds;
      // Nobody waits for it any more: it must not run on (here it would wait for /opt/go forever).
      await until('the command to be cancelled', async () => ((await sandbox.control.resources()).commands.find((c) => c.id === commandId)?.status === 'Cancelled' ? true : undefined));
    });

    it('resumes from the command ids in its heartbeat: polls the command it sent, never sends it again', async () => {
      const [instance] = await launch();
      const input = { region: EAST, instanceIds: [instance.instanceId], commands: GATED, comment: 'gated resume', timeoutSeconds: 600 };
      const first = attempt(1, undefined, (d) => 'commandIds' in d);
      await expect(first.run(patient.runOnInstances, input)).rejects.toBeInstanceOf(CancelledFailure);
      const [commandId] = (first.heartbeats.at(-1) as { commandIds: string[] }).commandIds;

      // The worker is gone; the command it sent runs on, and finishes.
      writeFileSync(join(await rootOf(instance.instanceId), 'opt', 'go'), '');
      await until('the command to finish', async () => ((await sandbox.control.resources()).commands.find((c) => c.id === commandId)?.status === 'Success' ? true : undefined));
      await sandbox.control.resetCalls();

      const second = attempt(2, first);
      const { results } = await second.run(quick.runOnInstances, { ...input, failOnError: true });
      expect(results).toEqual([{ instanceId: instance.instanceId, status: 'Success', exitCode: 0, stdout: '', stderr: '' }]);
      // One poll of the checkpointed command, one result fetch: no SendCommand, and no search for an earlier command either.
      expect(await calls()).toEqual({ 'ssm:ListCommandInvocations': 1, 'ssm:GetCommandInvocation': 1 });
      expect(second.heartbeats[0]).toMatchObject({ commandIds: [commandId] });
    });
  });

  describe('syncCode', () => {
    it('resumes from its heartbeat after the release was placed: reports what the one run did, sends nothing again', async () => {
      const [instance] = await launch();
      const spec = parseDeploySpec(readExampleSpec());
      const input = { region: EAST, instanceIds: [instance.instanceId], service: spec.service, version: '3.1.0', artifact: buildExampleArtifact('3.1.0', work), timeoutSeconds: 300 };
      const first = attempt(1);
      const placed = await first.run(quick.syncCode, input);
      expect(placed.results).toEqual([{ instanceId: instance.instanceId, ok: true, previousVersion: '', changed: true }]);
      await sandbox.control.resetCalls();

      // The worker died before reporting: the retry reads the same command's output (a second run would say "already current").
      const again = await attempt(2, first).run(quick.syncCode, input);
      expect(again).toEqual(placed);
      expect(await calls()).toEqual({ 'ssm:ListCommandInvocations': 1, 'ssm:GetCommandInvocation': 1 });
    });
  });

  describe('launchInstances', () => {
    it('terminates what it launched, by id, when its deploy cancels it', async () => {
      await sandbox.control.failNextAgents({ next: 1 });
      const first = attempt(1, undefined, (d) => Array.isArray(d.instanceIds), 'cancelled');
      await expect(first.run(patient.launchInstances, launchInput(ownerOf(), 1))).rejects.toBeInstanceOf(CancelledFailure);
      const { instanceIds } = first.heartbeats.at(-1) as { instanceIds: string[] };
      const states = async () => (await sandbox.control.resources()).instances.filter((i) => instanceIds.includes(i.id)).map((i) => i.state);
      expect(await states()).toEqual([expect.stringMatching(/^(shutting-down|terminated)$/)]);
    });

    it('ends with a CancelledFailure while waiting for its instances, and a retry gets the same instances back', async () => {
      await sandbox.control.failNextAgents({ next: 2 });
      const owner = ownerOf();
      const first = attempt(1, undefined, (d) => Array.isArray(d.instanceIds));
      await expect(first.run(patient.launchInstances, launchInput(owner, 2))).rejects.toBeInstanceOf(CancelledFailure);
      const { instanceIds } = first.heartbeats.at(-1) as { instanceIds: string[] };
      expect(instanceIds).toHaveLength(2);

      for (const id of instanceIds) await sandbox.control.setAgentOnline(id, true);
      const { instances } = await attempt(2, first).run(quick.launchInstances, launchInput(owner, 2));
      expect(instances.map((i) => i.instanceId)).toEqual(instanceIds);
      const launched = (await sandbox.control.resources()).instances.filter((i) => i.tags['hybrid-deploy:workflow-id'] === owner.workflowId);
      expect(launched.map((i) => i.id).sort()).toEqual([...instanceIds].sort());
    });
  });

  describe('bakeAmi', () => {
    it('ends with a CancelledFailure while the image is pending, and a retry resumes to the same image without making another', async () => {
      const [builder] = await launch();
      const owner = ownerOf('3.2.0');
      const input = { region: EAST, builderInstanceId: builder.instanceId, imageName: `hybrid-deploy/example-app/3.2.0/${owner.runId}`, baseImageId: BASE_IMAGE_IDS[EAST], owner, timeouts: { instanceRunning: 60, imageAvailable: 60 } };
      const first = attempt(1, undefined, (d) => typeof d.imageId === 'string');
      await expect(first.run(quick.bakeAmi, input)).rejects.toBeInstanceOf(CancelledFailure);
      const { imageId } = first.heartbeats.at(-1) as { imageId: string };
      expect((await sandbox.control.resources()).images.find((i) => i.id === imageId)?.state).toBe('pending');
      const made = { create: await callsOf('ec2:CreateImage'), stop: await callsOf('ec2:StopInstances') };

      const baked = await attempt(2, first).run(quick.bakeAmi, input);
      expect(baked).toEqual({ imageId, imageName: input.imageName });
      expect({ create: await callsOf('ec2:CreateImage'), stop: await callsOf('ec2:StopInstances') }).toEqual(made);
      expect((await sandbox.control.resources()).images.filter((i) => i.name === input.imageName).map((i) => [i.id, i.state])).toEqual([[imageId, 'available']]);
    });
  });

  describe('copyAmi', () => {
    it('ends with a CancelledFailure while the copy is pending, and a retry resumes to the same copy without starting another', async () => {
      const owner = ownerOf('3.3.0');
      const input = { sourceRegion: EAST, sourceImageId: BASE_IMAGE_IDS[EAST], region: WEST, imageName: `hybrid-deploy/example-app/3.3.0/${owner.runId}`, owner, timeoutSeconds: 60 };
      const first = attempt(1, undefined, (d) => typeof d.imageId === 'string');
      await expect(first.run(quick.copyAmi, input)).rejects.toBeInstanceOf(CancelledFailure);
      const { imageId } = first.heartbeats.at(-1) as { imageId: string };
      const copies = await callsOf('ec2:CopyImage');

      const copied = await attempt(2, first).run(quick.copyAmi, input);
      expect(copied).toEqual({ imageId });
      expect(await callsOf('ec2:CopyImage')).toBe(copies);
      expect((await sandbox.control.resources()).images.filter((i) => i.name === input.imageName).map((i) => [i.id, i.region, i.state])).toEqual([[imageId, WEST, 'available']]);
    });
  });
});
