import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { BASE_IMAGE_IDS, BASE_IMAGE_PARAMETER, startSandbox, type RunningSandbox } from '../../sandbox';
import { until } from '../helpers/outcomes';

describe('sandbox faults and call counts', () => {
  let sandbox: RunningSandbox;
  let ec2: EC2Client;

  beforeAll(async () => {
    sandbox = await startSandbox({ profile: 'instant' });
    // The SDK's default: standard retry mode, 3 attempts.
    ec2 = new EC2Client(sandbox.clientConfig());
  });
  beforeEach(() => sandbox.control.reset());
  afterAll(async () => {
    ec2?.destroy();
    await sandbox?.stop();
  });

  it('surfaces persistent throttling as RequestLimitExceeded after the SDK’s retries', async () => {
    await sandbox.control.throttle({ action: 'ec2:DescribeInstances', rate: 1 });
    await expect(ec2.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: 'RequestLimitExceeded',
      $metadata: { httpStatusCode: 503, attempts: 3 },
    });
    expect((await sandbox.control.calls())['ec2:DescribeInstances']).toBe(3);
  });

  it('lets the SDK’s retries absorb brief throttling (the next 2 calls)', async () => {
    await sandbox.control.throttle({ action: 'ec2:RunInstances', next: 2 });
    const run = await ec2.send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1, ClientToken: 'brief' }));
    expect(run.Instances).toHaveLength(1);
    expect((await sandbox.control.calls())['ec2:RunInstances']).toBe(3);
    expect((await sandbox.control.resources()).instances).toHaveLength(1);
  });

  it('throttles SSM with ThrottlingException', async () => {
    const ssm = new SSMClient({ ...sandbox.clientConfig(), maxAttempts: 1 });
    try {
      await sandbox.control.throttle({ action: 'ssm:GetParameter', next: 1 });
      await expect(ssm.send(new GetParameterCommand({ Name: BASE_IMAGE_PARAMETER }))).rejects.toMatchObject({ name: 'ThrottlingException' });
      await expect(ssm.send(new GetParameterCommand({ Name: BASE_IMAGE_PARAMETER }))).resolves.toBeDefined();
    } finally {
      ssm.destroy();
    }
  });

  it('fails the next call of an action with the given code and status', async () => {
    await sandbox.control.fail({ action: 'ec2:RunInstances', code: 'InsufficientInstanceCapacity', message: 'no m5.large left', next: 1 });
    await expect(
      ec2.send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1 })),
    ).rejects.toMatchObject({ name: 'InsufficientInstanceCapacity', message: 'no m5.large left' });
    await expect(ec2.send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1 }))).resolves.toBeDefined();
  });

  it('throttles RunInstances by EC2’s token bucket (5, refilling 2/s) when enabled, counting per bucket', async () => {
    await sandbox.control.useEc2Buckets(true);
    await sandbox.control.resetCalls();
    const noRetry = new EC2Client({ ...sandbox.clientConfig(), maxAttempts: 1 });
    try {
      const outcomes = [];
      for (let i = 0; i < 7; i++) {
        outcomes.push(
          await noRetry
            .send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1 }))
            .then(() => 'ok', (e: Error) => e.name),
        );
      }
      expect(outcomes.slice(0, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
      expect(outcomes).toContain('RequestLimitExceeded');
      const throttled = outcomes.filter((o) => o === 'RequestLimitExceeded').length;
      expect(await sandbox.control.bucketCalls()).toEqual({ taken: { RunInstances: 7 - throttled }, throttled: { RunInstances: throttled } });
    } finally {
      noRetry.destroy();
    }
  });

  it('holds back the answer of a call that took effect until the faults are cleared', async () => {
    await sandbox.control.hold({ action: 'ec2:RunInstances' });
    const run = ec2.send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1, ClientToken: 'held' }));
    let answered = false;
    void run.then(() => (answered = true), () => (answered = true));
    // The instance exists while its caller still waits for the answer.
    const held = async () => ((await sandbox.control.faults()).held === 1 ? (await sandbox.control.resources()).instances : undefined);
    const instances = await until('the held RunInstances to take effect', held);
    expect(instances.map((i) => i.id)).toHaveLength(1);
    expect({ answered, holds: (await sandbox.control.faults()).holds }).toEqual({ answered: false, holds: [] });
    await sandbox.control.clearFaults();
    expect((await run).Instances?.[0].InstanceId).toBe(instances[0].id);
    expect((await sandbox.control.calls())['ec2:RunInstances']).toBe(1);
    expect((await sandbox.control.faults()).held).toBe(0);
  });
});
