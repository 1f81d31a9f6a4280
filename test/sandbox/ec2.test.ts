import {
  CopyImageCommand,
  CreateImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  waitUntilImageAvailable,
  waitUntilInstanceRunning,
  waitUntilInstanceStopped,
  waitUntilInstanceTerminated,
} from '@aws-sdk/client-ec2';
import { SendCommandCommand, SSMClient, GetCommandInvocationCommand } from '@aws-sdk/client-ssm';
import { readFileSync } from 'node:fs';
import { BASE_IMAGE_IDS, startSandbox, type RunningSandbox } from '../../sandbox';

function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Runs a shell script on instances through SSM and waits for every invocation to end. */
async function runScript(ssm: SSMClient, instanceIds: string[], script: string) {
  const sent = await ssm.send(
    new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: instanceIds, Parameters: { commands: [script] } }),
  );
  const results = [];
  for (const instanceId of instanceIds) {
    for (let attempt = 0; ; attempt++) {
      try {
        const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: sent.Command?.CommandId, InstanceId: instanceId }));
        if (!['Pending', 'InProgress', 'Delayed'].includes(inv.Status ?? '')) {
          results.push(inv);
          break;
        }
      } catch (e) {
        if ((e as Error).name !== 'InvocationDoesNotExist' || attempt > 200) throw e;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return results;
}

async function waitForAgents(sandbox: RunningSandbox, ids: string[]): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { instances } = await sandbox.control.resources();
    if (ids.every((id) => instances.find((x) => x.id === id)?.agent === 'Online')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`agents of ${ids.join(', ')} never came online`);
}

describe('sandbox EC2 (fast profile: waiters really wait)', () => {
  let sandbox: RunningSandbox;
  let ec2: EC2Client;

  beforeAll(async () => {
    // Pending states only: this block is about waiters polling through them. The lag and the
    // stop race (realism) have their own tests in realism-ec2.test.ts.
    sandbox = await startSandbox({ profile: 'fast', realism: { visibilityLagMs: { min: 0, max: 0 }, stoppedSettleMs: 0 } });
    ec2 = new EC2Client(sandbox.clientConfig('us-east-1'));
  });
  afterAll(async () => {
    ec2?.destroy();
    await sandbox?.stop();
  });

  it('makes waitUntilInstanceRunning and waitUntilImageAvailable poll through a pending state', async () => {
    const run = await ec2.send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1 }));
    const id = run.Instances?.[0].InstanceId as string;
    expect(run.Instances?.[0].State).toEqual({ Code: 0, Name: 'pending' });
    expect(run.Instances?.[0].PrivateIpAddress).toMatch(/^127\.0\.\d+\.\d+$/);
    await sandbox.control.resetCalls();
    const running = await waitUntilInstanceRunning({ client: ec2, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { InstanceIds: [id] });
    expect(running.state).toBe('SUCCESS');
    // More than one DescribeInstances: the first poll saw `pending` and the waiter had to wait.
    expect((await sandbox.control.calls())['ec2:DescribeInstances']).toBeGreaterThanOrEqual(2);

    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    await waitUntilInstanceStopped({ client: ec2, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { InstanceIds: [id] });

    const image = await ec2.send(new CreateImageCommand({ InstanceId: id, Name: 'waiter-test-image' }));
    const first = await ec2.send(new DescribeImagesCommand({ ImageIds: [image.ImageId as string] }));
    expect(first.Images?.[0].State).toBe('pending');
    await sandbox.control.resetCalls();
    await waitUntilImageAvailable({ client: ec2, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { ImageIds: [image.ImageId as string] });
    expect((await sandbox.control.calls())['ec2:DescribeImages']).toBeGreaterThanOrEqual(2);

    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await waitUntilInstanceTerminated({ client: ec2, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { InstanceIds: [id] });
  });
});

describe('sandbox EC2 semantics (instant profile)', () => {
  let sandbox: RunningSandbox;
  let ec2: EC2Client;
  let ssm: SSMClient;

  beforeAll(async () => {
    sandbox = await startSandbox({ profile: 'instant' });
    ec2 = new EC2Client(sandbox.clientConfig('us-east-1'));
    ssm = new SSMClient(sandbox.clientConfig('us-east-1'));
  });
  beforeEach(() => sandbox.control.reset());
  afterAll(async () => {
    ec2?.destroy();
    ssm?.destroy();
    await sandbox?.stop();
  });

  it('returns the same instances for a repeated ClientToken and launches only once', async () => {
    const request = { ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 2, MaxCount: 2, ClientToken: 'deploy-1/launch' };
    const first = await ec2.send(new RunInstancesCommand(request));
    const second = await ec2.send(new RunInstancesCommand(request));
    const ids = (r: typeof first) => r.Instances?.map((i) => i.InstanceId).sort();
    expect(ids(second)).toEqual(ids(first));
    expect(second.ReservationId).toBe(first.ReservationId);
    expect((await sandbox.control.resources()).instances).toHaveLength(2);
  });

  it('rejects a second image with the same name with InvalidAMIName.Duplicate', async () => {
    const run = await ec2.send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1 }));
    const id = run.Instances?.[0].InstanceId as string;
    await waitUntilInstanceRunning({ client: ec2, maxWaitTime: 30, minDelay: 1 }, { InstanceIds: [id] });
    await ec2.send(new CreateImageCommand({ InstanceId: id, Name: 'app-v1', NoReboot: true }));
    await expect(ec2.send(new CreateImageCommand({ InstanceId: id, Name: 'app-v1', NoReboot: true }))).rejects.toMatchObject({
      name: 'InvalidAMIName.Duplicate',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('answers unknown and malformed ids as AWS does', async () => {
    await expect(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] }))).rejects.toMatchObject({
      name: 'InvalidInstanceID.NotFound',
    });
    await expect(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-nope'] }))).rejects.toMatchObject({ name: 'InvalidInstanceID.Malformed' });
    await expect(ec2.send(new DescribeImagesCommand({ ImageIds: ['ami-0123456789abcdef0'] }))).rejects.toMatchObject({ name: 'InvalidAMIID.NotFound' });
    await expect(ec2.send(new DescribeImagesCommand({ ImageIds: ['ami-x'] }))).rejects.toMatchObject({ name: 'InvalidAMIID.Malformed' });
  });

  it('answers an operation it does not implement with InvalidAction, never a fake success', async () => {
    await expect(ec2.send(new DescribeVpcsCommand({}))).rejects.toMatchObject({
      name: 'InvalidAction',
      message: expect.stringContaining('DescribeVpcs'),
    });
  });

  it('filters images by name wildcards, owner and tags', async () => {
    const all = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-2023.?.*-x86_64'] }] }));
    expect(all.Images?.map((i) => i.ImageId)).toEqual([BASE_IMAGE_IDS['us-east-1']]);
    const mine = await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
    expect(mine.Images).toEqual([]);
    const regions = await ec2.send(new DescribeRegionsCommand({}));
    expect(regions.Regions?.map((r) => r.RegionName)).toEqual(sandbox.regions);
  });

  it('copies an image once per ClientToken into the request region', async () => {
    const west = new EC2Client(sandbox.clientConfig('us-west-2'));
    try {
      const request = { SourceImageId: BASE_IMAGE_IDS['us-east-1'], SourceRegion: 'us-east-1', Name: 'copied-base', ClientToken: 'copy-1' };
      const a = await west.send(new CopyImageCommand(request));
      const b = await west.send(new CopyImageCommand(request));
      expect(b.ImageId).toBe(a.ImageId);
      await waitUntilImageAvailable({ client: west, maxWaitTime: 30, minDelay: 1 }, { ImageIds: [a.ImageId as string] });
      const copies = (await sandbox.control.resources()).images.filter((i) => i.name === 'copied-base');
      expect(copies).toEqual([expect.objectContaining({ id: a.ImageId, region: 'us-west-2', state: 'available', sourceRegion: 'us-east-1' })]);
    } finally {
      west.destroy();
    }
  });

  it('fails the next image with a StateReason when the fault is armed', async () => {
    await sandbox.control.failNextImage({ code: 'Client.InternalError', message: 'Client.InternalError: disk full' });
    const west = new EC2Client(sandbox.clientConfig('us-west-2'));
    try {
      const copy = await west.send(new CopyImageCommand({ SourceImageId: BASE_IMAGE_IDS['us-east-1'], SourceRegion: 'us-east-1', Name: 'doomed' }));
      await expect(
        waitUntilImageAvailable({ client: west, maxWaitTime: 30, minDelay: 1 }, { ImageIds: [copy.ImageId as string] }),
      ).rejects.toThrow();
      const image = (await west.send(new DescribeImagesCommand({ ImageIds: [copy.ImageId as string] }))).Images?.[0];
      expect(image?.State).toBe('failed');
      expect(image?.StateReason).toEqual({ Code: 'Client.InternalError', Message: 'Client.InternalError: disk full' });
    } finally {
      west.destroy();
    }
  });

  it('snapshots an instance root into an image whose instances run /opt/boot.d at boot', async () => {
    const builder = (await ec2.send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1 }))).Instances?.[0]
      .InstanceId as string;
    await waitUntilInstanceRunning({ client: ec2, maxWaitTime: 30, minDelay: 1 }, { InstanceIds: [builder] });
    await waitForAgents(sandbox, [builder]);
    const [placed] = await runScript(
      ssm,
      [builder],
      [
        'mkdir -p /opt/app/releases/v1 && echo v1 > /opt/app/releases/v1/VERSION',
        'ln -sfn releases/v1 /opt/app/current',
        "printf '#!/bin/sh\\necho booted-$INSTANCE_ID > /opt/app/booted\\n' > /opt/boot.d/10-app && chmod +x /opt/boot.d/10-app",
      ].join('\n'),
    );
    expect(placed.Status).toBe('Success');
    await ec2.send(new StopInstancesCommand({ InstanceIds: [builder] }));
    await waitUntilInstanceStopped({ client: ec2, maxWaitTime: 30, minDelay: 1 }, { InstanceIds: [builder] });
    const { ImageId } = await ec2.send(new CreateImageCommand({ InstanceId: builder, Name: 'app-v1-baked' }));
    await waitUntilImageAvailable({ client: ec2, maxWaitTime: 30, minDelay: 1 }, { ImageIds: [ImageId as string] });

    const fresh = (await ec2.send(new RunInstancesCommand({ ImageId, MinCount: 1, MaxCount: 1 }))).Instances?.[0].InstanceId as string;
    await waitUntilInstanceRunning({ client: ec2, maxWaitTime: 30, minDelay: 1 }, { InstanceIds: [fresh] });
    await waitForAgents(sandbox, [fresh]);
    let out = '';
    for (let i = 0; i < 100 && !out.includes('booted'); i++) {
      [{ StandardOutputContent: out = '' }] = await runScript(ssm, [fresh], 'cat /opt/app/current/VERSION; cat /opt/app/booted 2>/dev/null');
      if (!out.includes('booted')) await new Promise((r) => setTimeout(r, 50));
    }
    expect(out).toBe(`v1\nbooted-${fresh}\n`);
  });

  it('kills an instance’s processes, escaped daemons included, on terminate', async () => {
    const id = (await ec2.send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1 }))).Instances?.[0]
      .InstanceId as string;
    await waitUntilInstanceRunning({ client: ec2, maxWaitTime: 30, minDelay: 1 }, { InstanceIds: [id] });
    await waitForAgents(sandbox, [id]);
    await runScript(ssm, [id], 'setsid sleep 300 >/dev/null 2>&1 & nohup sleep 301 >/dev/null 2>&1 &');
    const before = (await sandbox.control.resources()).instances.find((i) => i.id === id);
    expect(before?.processes.length).toBeGreaterThanOrEqual(2);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await waitUntilInstanceTerminated({ client: ec2, maxWaitTime: 30, minDelay: 1 }, { InstanceIds: [id] });
    const after = (await sandbox.control.resources()).instances.find((i) => i.id === id);
    expect(after).toMatchObject({ state: 'terminated', processes: [] });
    // Gone, or a zombie waiting for a reaper (this container's pid 1 may never reap): not running.
    for (const pid of before?.processes ?? []) expect(isRunning(pid)).toBe(false);
  });

  it('lists in the control endpoint exactly what the APIs report', async () => {
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: BASE_IMAGE_IDS['us-east-1'],
        MinCount: 3,
        MaxCount: 3,
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'app', Value: 'web' }] }],
      }),
    );
    const ids = run.Instances?.map((i) => i.InstanceId as string) ?? [];
    await waitUntilInstanceRunning({ client: ec2, maxWaitTime: 30, minDelay: 1 }, { InstanceIds: ids });
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [ids[0]] }));
    await waitUntilInstanceTerminated({ client: ec2, maxWaitTime: 30, minDelay: 1 }, { InstanceIds: [ids[0]] });
    const api = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:app', Values: ['web'] }] }));
    const fromApi = (api.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => [i.InstanceId, i.State?.Name]).sort();
    const listed = (await sandbox.control.resources()).instances.map((i) => [i.id, i.state]).sort();
    expect(listed).toEqual(fromApi);
    expect(listed.filter(([, s]) => s === 'terminated')).toEqual([[ids[0], 'terminated']]);
  });
});
