import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeInstancesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { BASE_IMAGE_IDS, startSandbox, type RunningSandbox } from '../../sandbox';
import { createRunOnInstances } from '../../src/activities/run-on-instances';
import { createAwsClients, type AwsClients } from '../../src/aws/clients';

/** Post-deploy commands through the real activity, SSM and /bin/sh on a sandbox instance. */
describe('runOnInstances', () => {
  let sandbox: RunningSandbox;
  let aws: AwsClients;
  let instanceId: string;
  const opt = (file: string) => join(sandbox.dataDir, 'instances', instanceId, 'opt', file);

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'sandbox';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'sandbox';
    sandbox = await startSandbox({ profile: 'instant' });
    aws = createAwsClients({ endpoint: sandbox.endpoint });
    const ec2 = aws.ec2('us-east-1');
    const { Instances } = await ec2.send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1 }));
    instanceId = Instances![0].InstanceId!;
    for (let i = 0; i < 200; i++) {
      const { Reservations } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      if (Reservations?.[0].Instances?.[0].State?.Name === 'running') break;
      await new Promise((r) => setTimeout(r, 25));
    }
  });
  afterAll(async () => {
    aws?.destroy();
    await sandbox?.stop();
  });

  const run = (commands: string[]) =>
    new MockActivityEnvironment().run(createRunOnInstances({ clients: aws, pollIntervalMs: 50 }), {
      region: 'us-east-1',
      instanceIds: [instanceId],
      commands,
      comment: `post-deploy test ${Math.random()}`,
      timeoutSeconds: 60,
    });

  it('runs each command exactly as written: one command cannot continue, quote or comment out the next', async () => {
    await run([
      'echo "a # b" > /opt/hash.txt',
      'echo continued \\',
      'echo own-line > /opt/own.txt',
      "echo 'unbalanced",
      "echo ok > /opt/after-quote.txt # it's fine",
    ]).catch((error: unknown) => error);
    expect(readFileSync(opt('hash.txt'), 'utf8')).toBe('a # b\n');
    expect(readFileSync(opt('own.txt'), 'utf8')).toBe('own-line\n');
  });

  it('stops at the first failing command and fails with its exit status', async () => {
    const error = await run(['true', 'exit 7', 'touch /opt/never']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).message).toMatch(/failed on 1 of 1 instance\(s\) in us-east-1; i-\w+: Failed \(exit 7\): command 2 of 3 failed \(exit 7\)/);
    expect(existsSync(opt('never'))).toBe(false);
  });
});
