import { EC2Client, RunInstancesCommand, TerminateInstancesCommand, waitUntilInstanceRunning } from '@aws-sdk/client-ec2';
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
  type TargetHealthStateEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  BASE_IMAGE_IDS,
  EXAMPLE_TARGET_GROUP_ARNS,
  EXAMPLE_TARGET_GROUP_NAME,
  startSandbox,
  type RunningSandbox,
} from '../../sandbox';

const TG = EXAMPLE_TARGET_GROUP_ARNS['us-east-1'];

describe('sandbox ELBv2 and its load balancer', () => {
  let sandbox: RunningSandbox;
  let ec2: EC2Client;
  let ssm: SSMClient;
  let elb: ElasticLoadBalancingV2Client;
  let lbUrl: string;
  let ids: string[];

  async function healthOf(id: string): Promise<TargetHealthStateEnum | undefined> {
    const out = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: TG, Targets: [{ Id: id }] }));
    return out.TargetHealthDescriptions?.[0].TargetHealth?.State;
  }

  async function until<T>(what: string, probe: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const v = await probe();
      if (done(v)) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** Answers `/health` and every other path with the instance id, after `delayMs` for `/slow`. */
  async function startApp(id: string): Promise<void> {
    const app = `require("http").createServer((q,s)=>setTimeout(()=>s.end(process.env.INSTANCE_ID), q.url==="/slow"?1500:0)).listen(8080, process.env.PRIVATE_IP)`;
    const sent = await ssm.send(
      new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [id], Parameters: { commands: [`nohup node -e '${app}' >/dev/null 2>&1 &`] } }),
    );
    await until(
      'the app command',
      () => ssm.send(new GetCommandInvocationCommand({ CommandId: sent.Command?.CommandId, InstanceId: id })).then((r) => r.Status, () => 'Pending'),
      (s) => s === 'Success',
    );
  }

  beforeAll(async () => {
    sandbox = await startSandbox({ profile: 'instant', timings: { deregistrationDelayMs: 3_000 } });
    ec2 = new EC2Client(sandbox.clientConfig());
    ssm = new SSMClient(sandbox.clientConfig());
    elb = new ElasticLoadBalancingV2Client(sandbox.clientConfig());
    lbUrl = sandbox.loadBalancers['us-east-1'][EXAMPLE_TARGET_GROUP_NAME];
    const run = await ec2.send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 2, MaxCount: 2 }));
    ids = run.Instances?.map((i) => i.InstanceId as string) ?? [];
    await waitUntilInstanceRunning({ client: ec2, maxWaitTime: 30, minDelay: 1 }, { InstanceIds: ids });
    await until('agents', () => sandbox.control.resources(), (r) => r.instances.every((i) => i.agent === 'Online'));
    for (const id of ids) await startApp(id);
  });
  afterAll(async () => {
    ec2?.destroy();
    ssm?.destroy();
    elb?.destroy();
    await sandbox?.stop();
  });

  it('describes the configured target group with its health check', async () => {
    const out = await elb.send(new DescribeTargetGroupsCommand({ Names: [EXAMPLE_TARGET_GROUP_NAME] }));
    expect(out.TargetGroups?.[0]).toMatchObject({ TargetGroupArn: TG, Port: 8080, HealthCheckPath: '/health', HealthCheckPort: 'traffic-port' });
    await expect(elb.send(new DescribeTargetGroupsCommand({ Names: ['nope'] }))).rejects.toMatchObject({
      // The wire code is TargetGroupNotFound; the SDK names its exception class after the model.
      name: 'TargetGroupNotFoundException',
      Code: 'TargetGroupNotFound',
    });
  });

  it('answers 503 while no target is healthy', async () => {
    expect((await fetch(lbUrl)).status).toBe(503);
  });

  it('sends traffic to registered healthy targets, round robin, and none to a draining one', async () => {
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: TG, Targets: ids.map((Id) => ({ Id })) }));
    for (const id of ids) await until(`${id} healthy`, () => healthOf(id), (s) => s === 'healthy');
    const served = new Set<string>();
    for (let i = 0; i < 4; i++) served.add(await (await fetch(lbUrl)).text());
    expect([...served].sort()).toEqual([...ids].sort());

    // A slow request in flight to whichever target is next, then drain that target.
    const responses = await Promise.all([fetch(`${lbUrl}/slow`).then((r) => r.text()), fetch(`${lbUrl}/`).then((r) => r.text())]);
    const slowTarget = responses[0];
    const inFlight = fetch(`${lbUrl}/slow`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 100));
    const draining = ids[ids.indexOf(slowTarget) === 0 ? 0 : 1];
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: TG, Targets: [{ Id: draining }] }));
    expect(await healthOf(draining)).toBe('draining');
    const keeping = ids.find((id) => id !== draining);
    for (let i = 0; i < 4; i++) expect(await (await fetch(lbUrl)).text()).toBe(keeping);
    expect(ids).toContain(await inFlight); // the in-flight request finished
    await until(`${draining} gone`, () => healthOf(draining), (s) => s === 'unused');
  });

  it('marks a target unhealthy when its health checks fail, and stops routing to it', async () => {
    const [a, b] = ids;
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: TG, Targets: [{ Id: a }, { Id: b }] }));
    for (const id of ids) await until(`${id} healthy`, () => healthOf(id), (s) => s === 'healthy');
    await sandbox.control.setHealthCheckFailing(a, true);
    await until(`${a} unhealthy`, () => healthOf(a), (s) => s === 'unhealthy');
    for (let i = 0; i < 4; i++) expect(await (await fetch(lbUrl)).text()).toBe(b);
    await sandbox.control.setHealthCheckFailing(a, false);
    await until(`${a} healthy again`, () => healthOf(a), (s) => s === 'healthy');
  });

  it('deregisters a terminated target and lists registrations in the control endpoint', async () => {
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [ids[1]] }));
    await until(`${ids[1]} draining`, () => healthOf(ids[1]), (s) => s === 'draining' || s === 'unused');
    const group = (await sandbox.control.resources()).targetGroups.find((g) => g.arn === TG);
    expect(group?.loadBalancerUrl).toBe(lbUrl);
    expect(group?.registrations.map((r) => r.targetId)).toContain(ids[0]);
  });
});
