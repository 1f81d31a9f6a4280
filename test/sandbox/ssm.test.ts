import { EC2Client, RunInstancesCommand, waitUntilInstanceRunning } from '@aws-sdk/client-ec2';
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  ListCommandInvocationsCommand,
  ListDocumentsCommand,
  PutParameterCommand,
  SendCommandCommand,
  SSMClient,
  type GetCommandInvocationCommandOutput,
} from '@aws-sdk/client-ssm';
import { BASE_IMAGE_IDS, BASE_IMAGE_PARAMETER, startSandbox, type RunningSandbox } from '../../sandbox';

describe('sandbox SSM', () => {
  let sandbox: RunningSandbox;
  let ec2: EC2Client;
  let ssm: SSMClient;
  let ids: string[];

  /** Waits for one invocation to leave Pending/InProgress, retrying InvocationDoesNotExist as AWS advises. */
  async function result(commandId: string, instanceId: string): Promise<GetCommandInvocationCommandOutput> {
    for (let attempt = 0; attempt < 400; attempt++) {
      try {
        const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
        if (!['Pending', 'InProgress', 'Delayed'].includes(inv.Status ?? '')) return inv;
      } catch (e) {
        if ((e as Error).name !== 'InvocationDoesNotExist') throw e;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`command ${commandId} on ${instanceId} never finished`);
  }

  async function send(instanceIds: string[], commands: string[], extra: Record<string, string[]> = {}): Promise<string> {
    const out = await ssm.send(
      new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: instanceIds, Parameters: { commands, ...extra } }),
    );
    return out.Command?.CommandId as string;
  }

  beforeAll(async () => {
    // Instant transitions, but invocations stay invisible for 300 ms as AWS's do right after SendCommand.
    sandbox = await startSandbox({ profile: 'instant', timings: { commandVisibleMs: 300 } });
    ec2 = new EC2Client(sandbox.clientConfig());
    ssm = new SSMClient(sandbox.clientConfig());
    const run = await ec2.send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 2, MaxCount: 2 }));
    ids = run.Instances?.map((i) => i.InstanceId as string) ?? [];
    await waitUntilInstanceRunning({ client: ec2, maxWaitTime: 30, minDelay: 1 }, { InstanceIds: ids });
    for (let i = 0; i < 100; i++) {
      const info = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: ids }] }));
      if (info.InstanceInformationList?.filter((x) => x.PingStatus === 'Online').length === 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => {
    ec2?.destroy();
    ssm?.destroy();
    await sandbox?.stop();
  });

  it('reports both agents online, filtered by InstanceInformationFilterList too', async () => {
    const info = await ssm.send(new DescribeInstanceInformationCommand({ InstanceInformationFilterList: [{ key: 'InstanceIds', valueSet: [ids[1]] }] }));
    expect(info.InstanceInformationList).toEqual([expect.objectContaining({ InstanceId: ids[1], PingStatus: 'Online', PlatformType: 'Linux' })]);
  });

  it('answers InvocationDoesNotExist right after SendCommand, as AWS does', async () => {
    const commandId = await send([ids[0]], ['true']);
    await expect(ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: ids[0] }))).rejects.toMatchObject({
      name: 'InvocationDoesNotExist',
    });
    expect((await result(commandId, ids[0])).Status).toBe('Success');
  });

  it('runs a command on two instances and returns each one’s stdout and exit status', async () => {
    const commandId = await send(ids, ['echo "$INSTANCE_ID $PRIVATE_IP $AWS_REGION"', 'pwd', 'exit 0']);
    for (const id of ids) {
      const inv = await result(commandId, id);
      const ip = (await sandbox.control.resources()).instances.find((i) => i.id === id)?.privateIp;
      expect(inv).toMatchObject({ Status: 'Success', ResponseCode: 0, StandardOutputContent: `${id} ${ip} us-east-1\n/opt\n` });
    }
    const listed = await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId, Details: true }));
    expect(listed.CommandInvocations?.map((c) => c.CommandPlugins?.[0].ResponseCode)).toEqual([0, 0]);
  });

  it('reports a failing command as Failed with its stderr and exit code', async () => {
    const commandId = await send([ids[0]], ['echo partial', 'echo "it broke" >&2', 'exit 3']);
    expect(await result(commandId, ids[0])).toMatchObject({
      Status: 'Failed',
      ResponseCode: 3,
      StandardOutputContent: 'partial\n',
      StandardErrorContent: 'it broke\n',
    });
  });

  it('keeps /opt private per instance and records packages through the dnf stand-in', async () => {
    await result(await send([ids[0]], ['dnf install -y nginx', 'echo mine > /opt/marker']), ids[0]);
    const other = await result(await send([ids[1]], ['cat /opt/marker 2>/dev/null || echo absent', 'cat /opt/.sandbox/packages.txt']), ids[1]);
    expect(other.StandardOutputContent).toBe('absent\n');
    const first = await result(await send([ids[0]], ['cat /opt/marker /opt/.sandbox/packages.txt']), ids[0]);
    expect(first.StandardOutputContent).toBe('mine\nnginx\n');
  });

  it('serves HTTP on the instance’s private IP from a server started by a command', async () => {
    const script = `nohup node -e 'require("http").createServer((q,s)=>s.end("ok from "+process.env.INSTANCE_ID)).listen(8080, process.env.PRIVATE_IP)' >/dev/null 2>&1 &`;
    expect((await result(await send([ids[1]], [script]), ids[1])).Status).toBe('Success');
    const ip = (await sandbox.control.resources()).instances.find((i) => i.id === ids[1])?.privateIp;
    let body = '';
    for (let i = 0; i < 100 && !body; i++) {
      body = await fetch(`http://${ip}:8080/`).then((r) => r.text(), () => '');
      if (!body) await new Promise((r) => setTimeout(r, 50));
    }
    expect(body).toBe(`ok from ${ids[1]}`);
  });

  it('cuts stdout at 24,000 characters', async () => {
    const inv = await result(await send([ids[0]], ['head -c 30000 /dev/zero | tr "\\0" x']), ids[0]);
    expect(inv.StandardOutputContent).toHaveLength(24_000);
  });

  it('holds a command for an instance whose agent is offline (Delayed) and runs it once the agent is back', async () => {
    await sandbox.control.setAgentOnline(ids[0], false);
    let commandId: string;
    try {
      const info = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [ids[0]] }] }));
      expect(info.InstanceInformationList?.[0].PingStatus).toBe('ConnectionLost');
      commandId = await send([ids[0]], ['echo delivered late']);
      let status: string | undefined;
      for (let i = 0; i < 200 && status !== 'Delayed'; i++) {
        status = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: ids[0] })).then((r) => r.Status, () => undefined);
        if (status !== 'Delayed') await new Promise((r) => setTimeout(r, 50));
      }
      expect(status).toBe('Delayed');
    } finally {
      await sandbox.control.setAgentOnline(ids[0], true);
    }
    expect(await result(commandId, ids[0])).toMatchObject({ Status: 'Success', StandardOutputContent: 'delivered late\n' });
  });

  it('rejects more than 50 instance ids and unknown documents', async () => {
    const many = Array.from({ length: 51 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    await expect(send(many, ['true'])).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunPowerShellScript', InstanceIds: [ids[0]] }))).rejects.toMatchObject({
      name: 'InvalidDocument',
    });
  });

  it('resolves the public AMI parameter and keeps parameters by path', async () => {
    const p = await ssm.send(new GetParameterCommand({ Name: BASE_IMAGE_PARAMETER }));
    expect(p.Parameter).toMatchObject({ Value: BASE_IMAGE_IDS['us-east-1'], DataType: 'aws:ec2:image' });
    await ssm.send(new PutParameterCommand({ Name: '/app/prod/version', Value: 'v1', Type: 'String' }));
    await expect(ssm.send(new PutParameterCommand({ Name: '/app/prod/version', Value: 'v2', Type: 'String' }))).rejects.toMatchObject({
      name: 'ParameterAlreadyExists',
    });
    const put = await ssm.send(new PutParameterCommand({ Name: '/app/prod/version', Value: 'v2', Type: 'String', Overwrite: true }));
    expect(put.Version).toBe(2);
    const byPath = await ssm.send(new GetParametersByPathCommand({ Path: '/app', Recursive: true }));
    expect(byPath.Parameters?.map((x) => [x.Name, x.Value])).toEqual([['/app/prod/version', 'v2']]);
    await expect(ssm.send(new GetParameterCommand({ Name: '/missing' }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
  });

  it('answers an operation it does not implement with UnknownOperationException', async () => {
    await expect(ssm.send(new ListDocumentsCommand({}))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: expect.stringContaining('ListDocuments'),
    });
  });
});
