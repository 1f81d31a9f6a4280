import {
  CopyImageCommand,
  CreateImageCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  waitUntilImageAvailable,
  waitUntilInstanceRunning,
  waitUntilInstanceStopped,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import {
  BASE_IMAGE_IDS,
  DEFAULT_SANDBOX_CONFIG,
  EXAMPLE_INSTANCE_PROFILE,
  SECURITY_GROUP_IDS,
  SUBNET_IDS,
  startSandbox,
  type RunningSandbox,
} from '../../sandbox';
import { until } from '../helpers/outcomes';

const BASE = BASE_IMAGE_IDS['us-east-1'];
const [SUBNET_A, SUBNET_B] = SUBNET_IDS['us-east-1'];

/** The AWS error code a call fails with, or `ok`. */
function outcome(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => 'ok',
    (e: Error) => e.name,
  );
}

describe('sandbox realism: EC2 as AWS really behaves', () => {
  let sandbox: RunningSandbox;
  let ec2: EC2Client;
  let west: EC2Client;

  async function launch(extra: Partial<RunInstancesCommandInput> = {}): Promise<string> {
    const run = await ec2.send(new RunInstancesCommand({ ImageId: BASE, MinCount: 1, MaxCount: 1, ...extra }));
    return run.Instances![0].InstanceId!;
  }

  async function running(id: string): Promise<void> {
    // The SDK's own waiter treats InvalidInstanceID.NotFound as "not yet": it rides out the lag.
    await waitUntilInstanceRunning({ client: ec2, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { InstanceIds: [id] });
  }

  beforeAll(async () => {
    sandbox = await startSandbox({
      profile: 'fast',
      timings: { imageCreateMs: 200, imageCopyMs: 200, instanceLaunchMs: 100, instanceStopMs: 100, instanceTerminateMs: 100 },
      // Every new id hidden for exactly 1.5 s; terminated instances forgotten after 1.5 s; CreateImage refused for 1.5 s after `stopped`.
      realism: { visibilityLagMs: { min: 1_500, max: 1_500 }, terminatedVisibleMs: 1_500, stoppedSettleMs: 1_500 },
      config: {
        ...DEFAULT_SANDBOX_CONFIG,
        realism: { insufficientCapacity: [{ availabilityZone: 'us-east-1a', instanceType: 'c5.large' }] },
      },
    });
    // One attempt: the SDK's retries would hide the errors under test.
    ec2 = new EC2Client({ ...sandbox.clientConfig('us-east-1'), maxAttempts: 1 });
    west = new EC2Client({ ...sandbox.clientConfig('us-west-2'), maxAttempts: 1 });
  });
  afterAll(async () => {
    ec2?.destroy();
    west?.destroy();
    await sandbox?.stop();
  });

  it('hides a new instance from DescribeInstances, CreateTags and listings until its lag has passed (InvalidInstanceID.NotFound)', async () => {
    const id = await launch();
    expect(await outcome(ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })))).toBe('InvalidInstanceID.NotFound');
    expect(await outcome(ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'k', Value: 'v' }] })))).toBe('InvalidInstanceID.NotFound');
    const listed = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: [id] }] }));
    expect(listed.Reservations).toEqual([]);
    expect((await sandbox.control.resources()).instances.find((i) => i.id === id)?.visible).toBe(false);
    await until('the instance to be visible', () => ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })).then(() => true, () => undefined));
    expect(await outcome(ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'k', Value: 'v' }] })))).toBe('ok');
  });

  it('keeps a terminated instance describable as terminated for a while, then answers NotFound', async () => {
    const id = await launch();
    await running(id);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    const seen = await until('the terminated state', async () => {
      const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
      const state = out.Reservations?.[0]?.Instances?.[0]?.State?.Name;
      return state === 'terminated' ? state : undefined;
    });
    expect(seen).toBe('terminated');
    await until('the instance to be forgotten', () => outcome(ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).then((o) => (o === 'InvalidInstanceID.NotFound' ? o : undefined)));
    // The control listing still knows it.
    expect((await sandbox.control.resources()).instances.find((i) => i.id === id)).toMatchObject({ state: 'terminated', visible: false });
  });

  it('refuses CreateImage right after `stopped` with InvalidParameterValue, then accepts it (packer#9562)', async () => {
    const id = await launch({ IamInstanceProfile: { Name: EXAMPLE_INSTANCE_PROFILE } });
    await running(id);
    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    await waitUntilInstanceStopped({ client: ec2, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { InstanceIds: [id] });
    const refused = ec2.send(new CreateImageCommand({ InstanceId: id, Name: 'race-1' }));
    await expect(refused).rejects.toMatchObject({ name: 'InvalidParameterValue', message: `Invalid value '${id}' for instanceId. Instance is not in state 'running' or 'stopped'` });
    const imageId = await until('CreateImage to be accepted', () => ec2.send(new CreateImageCommand({ InstanceId: id, Name: 'race-1' })).then((r) => r.ImageId, () => undefined));
    expect(imageId).toMatch(/^ami-/);
  });

  it('hides a new image from DescribeImages and CreateTags (InvalidAMIID.NotFound), and so does a copy', async () => {
    const id = await launch();
    await running(id);
    const { ImageId } = await ec2.send(new CreateImageCommand({ InstanceId: id, Name: 'hidden-1', NoReboot: true }));
    expect(await outcome(ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!] })))).toBe('InvalidAMIID.NotFound');
    expect(await outcome(ec2.send(new CreateTagsCommand({ Resources: [ImageId!], Tags: [{ Key: 'k', Value: 'v' }] })))).toBe('InvalidAMIID.NotFound');
    expect((await ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: ['hidden-1'] }] }))).Images).toEqual([]);
    // The name is taken at once, though: uniqueness does not wait for visibility.
    expect(await outcome(ec2.send(new CreateImageCommand({ InstanceId: id, Name: 'hidden-1', NoReboot: true })))).toBe('InvalidAMIName.Duplicate');
    await waitUntilImageAvailable({ client: ec2, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { ImageIds: [ImageId!] });

    const copy = await west.send(new CopyImageCommand({ SourceRegion: 'us-east-1', SourceImageId: ImageId!, Name: 'hidden-1', ClientToken: 'copy-1' }));
    expect(await outcome(west.send(new DescribeImagesCommand({ ImageIds: [copy.ImageId!] })))).toBe('InvalidAMIID.NotFound');
    await until('the copy to be visible', () => west.send(new DescribeImagesCommand({ ImageIds: [copy.ImageId!] })).then(() => true, () => undefined));
  });

  it('answers IdempotentParameterMismatch when a ClientToken is reused with any changed parameter', async () => {
    const request: RunInstancesCommandInput = { ImageId: BASE, MinCount: 1, MaxCount: 1, ClientToken: 'token-1', SubnetId: SUBNET_B, InstanceType: 't3.micro' };
    const first = await ec2.send(new RunInstancesCommand(request));
    const again = await ec2.send(new RunInstancesCommand(request));
    expect(again.Instances?.[0].InstanceId).toBe(first.Instances?.[0].InstanceId);
    const changes: Partial<RunInstancesCommandInput>[] = [
      { SecurityGroupIds: [SECURITY_GROUP_IDS['us-east-1']] },
      { TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'other' }] }] },
      { IamInstanceProfile: { Name: EXAMPLE_INSTANCE_PROFILE } },
      { SubnetId: SUBNET_A },
      { UserData: Buffer.from('#!/bin/sh\n').toString('base64') },
    ];
    for (const change of changes) {
      expect([Object.keys(change)[0], await outcome(ec2.send(new RunInstancesCommand({ ...request, ...change })))]).toEqual([Object.keys(change)[0], 'IdempotentParameterMismatch']);
    }
  });

  it('has no capacity for a configured type in a configured zone (InsufficientInstanceCapacity, HTTP 500), and lifts a temporary shortage', async () => {
    const refused = ec2.send(new RunInstancesCommand({ ImageId: BASE, MinCount: 1, MaxCount: 1, InstanceType: 'c5.large', SubnetId: SUBNET_A }));
    await expect(refused).rejects.toMatchObject({
      name: 'InsufficientInstanceCapacity',
      $metadata: { httpStatusCode: 500 },
      message: expect.stringContaining('capacity in the Availability Zone you requested (us-east-1a)'),
    });
    await expect(refused).rejects.toMatchObject({ message: expect.stringContaining('or choosing us-east-1b') });
    // Another zone, or another type in that zone, has capacity.
    expect(await outcome(ec2.send(new RunInstancesCommand({ ImageId: BASE, MinCount: 1, MaxCount: 1, InstanceType: 'c5.large', SubnetId: SUBNET_B })))).toBe('ok');
    expect(await outcome(ec2.send(new RunInstancesCommand({ ImageId: BASE, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro', SubnetId: SUBNET_A })))).toBe('ok');
    // A temporary shortage set through the control endpoint ends by itself.
    await sandbox.control.noCapacity({ availabilityZone: 'us-east-1b', forMs: 1_000 });
    expect(await outcome(ec2.send(new RunInstancesCommand({ ImageId: BASE, MinCount: 1, MaxCount: 1, SubnetId: SUBNET_B })))).toBe('InsufficientInstanceCapacity');
    await until('capacity to come back', () => outcome(ec2.send(new RunInstancesCommand({ ImageId: BASE, MinCount: 1, MaxCount: 1, SubnetId: SUBNET_B }))).then((o) => (o === 'ok' ? o : undefined)));
    // clearing faults keeps the configured shortage: it is the world, not a fault.
    await sandbox.control.clearFaults();
    expect(await outcome(ec2.send(new RunInstancesCommand({ ImageId: BASE, MinCount: 1, MaxCount: 1, InstanceType: 'c5.large', SubnetId: SUBNET_A })))).toBe('InsufficientInstanceCapacity');
  });

  it('makes images of EBS snapshots that DeregisterImage leaves behind unless asked to delete them', async () => {
    const id = await launch();
    await running(id);
    const tags = [{ Key: 'owner', Value: 'snapshot-test' }];
    const images: string[] = [];
    for (const name of ['snap-1', 'snap-2']) {
      const { ImageId } = await ec2.send(
        new CreateImageCommand({ InstanceId: id, Name: name, NoReboot: true, TagSpecifications: [{ ResourceType: 'image', Tags: tags }, { ResourceType: 'snapshot', Tags: tags }] }),
      );
      await waitUntilImageAvailable({ client: ec2, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { ImageIds: [ImageId!] });
      images.push(ImageId!);
    }
    const described = await ec2.send(new DescribeImagesCommand({ ImageIds: images }));
    const snapshots = described.Images!.map((i) => i.BlockDeviceMappings![0].Ebs!.SnapshotId!);
    const owned = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: 'tag:owner', Values: ['snapshot-test'] }] }));
    expect(owned.Snapshots!.map((s) => [s.SnapshotId, s.State]).sort()).toEqual(snapshots.map((s) => [s, 'completed']).sort());

    // In use by a registered image: not deletable.
    expect(await outcome(ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshots[0] })))).toBe('InvalidSnapshot.InUse');
    // Deregistering leaves it (billed) behind…
    await ec2.send(new DeregisterImageCommand({ ImageId: images[0] }));
    expect((await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshots[0]] }))).Snapshots).toHaveLength(1);
    expect(await outcome(ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshots[0] })))).toBe('ok');
    // …unless asked to delete it with the image.
    const second = await ec2.send(new DeregisterImageCommand({ ImageId: images[1], DeleteAssociatedSnapshots: true }));
    expect(second.DeleteSnapshotResults).toEqual([{ SnapshotId: snapshots[1], ReturnCode: 'success' }]);
    expect(await outcome(ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: snapshots })))).toBe('InvalidSnapshot.NotFound');
    expect((await sandbox.control.resources()).snapshots.filter((s) => snapshots.includes(s.id)).map((s) => s.deleted)).toEqual([true, true]);
  });

  it('describes the configured subnets (with their zones) and security groups, and names unknown ones', async () => {
    const subnets = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [SUBNET_A, SUBNET_B] }));
    expect(subnets.Subnets!.map((s) => [s.SubnetId, s.AvailabilityZone])).toEqual([
      [SUBNET_A, 'us-east-1a'],
      [SUBNET_B, 'us-east-1b'],
    ]);
    await expect(ec2.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-00000000000000000'] }))).rejects.toMatchObject({
      name: 'InvalidSubnetID.NotFound',
      message: "The subnet ID 'subnet-00000000000000000' does not exist",
    });
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [SECURITY_GROUP_IDS['us-east-1']] }));
    expect(groups.SecurityGroups!.map((g) => g.GroupName)).toEqual(['example-web']);
    expect(await outcome(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-00000000000000000'] })))).toBe('InvalidGroup.NotFound');
  });

  it('rejects an instance profile IAM does not have, as AWS does', async () => {
    await expect(launch({ IamInstanceProfile: { Name: 'no-such-profile' } })).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: 'Value (no-such-profile) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name',
    });
  });
});

describe('sandbox realism: EC2 throttling in the realistic profile', () => {
  it("turns EC2's token buckets on by default: a burst of RunInstances meets RequestLimitExceeded", async () => {
    const sandbox = await startSandbox({ profile: 'realistic', timeScale: 0.001 });
    const ec2 = new EC2Client({ ...sandbox.clientConfig('us-east-1'), maxAttempts: 1 });
    try {
      expect(sandbox.realism).toMatchObject({ enabled: true, ec2Buckets: true });
      // RunInstances' bucket holds 5 and refills 2 per second: a burst of 10 runs dry.
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () => outcome(ec2.send(new RunInstancesCommand({ ImageId: BASE, MinCount: 1, MaxCount: 1 })))),
      );
      expect(outcomes.filter((o) => o === 'RequestLimitExceeded').length).toBeGreaterThanOrEqual(4);
      // Clearing faults keeps them: they are the world, not a fault.
      await sandbox.control.clearFaults();
      expect((await sandbox.control.faults()).ec2Buckets).toBe(true);
    } finally {
      ec2.destroy();
      await sandbox.stop();
    }
  });

  it('keeps realism off in the instant profile', async () => {
    const sandbox = await startSandbox({ profile: 'instant' });
    try {
      expect(sandbox.realism).toMatchObject({ enabled: false, ec2Buckets: false, visibilityLagMs: { min: 0, max: 0 } });
    } finally {
      await sandbox.stop();
    }
  });
});
