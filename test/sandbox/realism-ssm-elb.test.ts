import { EC2Client, RunInstancesCommand, waitUntilInstanceRunning } from '@aws-sdk/client-ec2';
import {
  DeregisterTargetsCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetInstanceProfileCommand, IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import {
  BASE_IMAGE_IDS,
  DEFAULT_SANDBOX_CONFIG,
  EXAMPLE_INSTANCE_PROFILE,
  EXAMPLE_LOAD_BALANCER_ARNS,
  EXAMPLE_TARGET_GROUP_ARNS,
  SANDBOX_ACCOUNT_ID,
  SUBNET_IDS,
  startSandbox,
  type RunningSandbox,
  type SandboxConfigInput,
} from '../../sandbox';
import { until } from '../helpers/outcomes';

const REGION = 'us-east-1';
const BASE = BASE_IMAGE_IDS[REGION];
const [SUBNET_A, SUBNET_B] = SUBNET_IDS[REGION];
const LONELY_TG = `arn:aws:elasticloadbalancing:${REGION}:${SANDBOX_ACCOUNT_ID}:targetgroup/lonely/0123456789abcdef`;

/**
 * The default world with two more instance profiles (one whose role may not use SSM), the
 * example load balancer enabling only zone a, and a target group attached to no load balancer.
 */
const WORLD: SandboxConfigInput = {
  ...DEFAULT_SANDBOX_CONFIG,
  instanceProfiles: [
    ...(DEFAULT_SANDBOX_CONFIG.instanceProfiles ?? []),
    { name: 's3-only', roleName: 's3-only', policies: ['AmazonS3ReadOnlyAccess'] },
    { name: 'ssm-by-action', roleName: 'ssm-by-action', policies: ['ssm:UpdateInstanceInformation', 'ssmmessages:*', 'ec2messages:*'] },
  ],
  regions: DEFAULT_SANDBOX_CONFIG.regions.map((region) =>
    region.name !== REGION
      ? region
      : {
          ...region,
          loadBalancers: region.loadBalancers?.map((lb) => ({ ...lb, availabilityZones: [`${REGION}a`] })),
          targetGroups: [...(region.targetGroups ?? []), { name: 'lonely', arn: LONELY_TG, port: 8080 }],
        },
  ),
};

describe('sandbox realism: SSM registration, delivery, ELBv2 and IAM', () => {
  let sandbox: RunningSandbox;
  let ec2: EC2Client;
  let ssm: SSMClient;
  let elb: ElasticLoadBalancingV2Client;
  let iam: IAMClient;
  const ids: Record<string, string> = {};

  async function online(id: string): Promise<string[]> {
    const info = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [id] }] }));
    return (info.InstanceInformationList ?? []).map((i) => i.PingStatus ?? '');
  }

  beforeAll(async () => {
    // realistic × 0.01: AWS's proportions, fast; a 30 s delivery timeout takes 0.3 s.
    sandbox = await startSandbox({ profile: 'realistic', timeScale: 0.01, config: WORLD, timings: { healthCheckIntervalMs: 100 }, realism: { ec2Buckets: false } });
    ec2 = new EC2Client({ ...sandbox.clientConfig(REGION), maxAttempts: 1 });
    ssm = new SSMClient({ ...sandbox.clientConfig(REGION), maxAttempts: 1 });
    elb = new ElasticLoadBalancingV2Client({ ...sandbox.clientConfig(REGION), maxAttempts: 1 });
    iam = new IAMClient({ ...sandbox.clientConfig(REGION), maxAttempts: 1 });
    const launches: [string, string | undefined, string][] = [
      ['ssm', EXAMPLE_INSTANCE_PROFILE, SUBNET_A],
      ['byAction', 'ssm-by-action', SUBNET_A],
      ['s3Only', 's3-only', SUBNET_A],
      ['bare', undefined, SUBNET_A],
      ['zoneB', EXAMPLE_INSTANCE_PROFILE, SUBNET_B],
    ];
    for (const [key, profile, subnet] of launches) {
      const run = await ec2.send(
        new RunInstancesCommand({ ImageId: BASE, MinCount: 1, MaxCount: 1, SubnetId: subnet, IamInstanceProfile: profile ? { Name: profile } : undefined }),
      );
      ids[key] = run.Instances![0].InstanceId!;
    }
    await waitUntilInstanceRunning({ client: ec2, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { InstanceIds: Object.values(ids) });
  });
  afterAll(async () => {
    for (const client of [ec2, ssm, elb, iam]) client?.destroy();
    await sandbox?.stop();
  });

  it('registers the SSM agent only with an instance profile whose role allows ssm:UpdateInstanceInformation', async () => {
    await until('the agents allowed to register', async () => ((await online(ids.ssm)).join() === 'Online' && (await online(ids.byAction)).join() === 'Online' ? true : undefined));
    // Their peers, launched at the same time, never register: no profile, or a role without SSM.
    expect(await online(ids.bare)).toEqual([]);
    expect(await online(ids.s3Only)).toEqual([]);
    const listing = (await sandbox.control.resources()).instances;
    expect(listing.filter((i) => i.id === ids.bare || i.id === ids.s3Only).map((i) => i.agent)).toEqual(['NotRegistered', 'NotRegistered']);
  });

  it('answers InvalidInstanceId to SendCommand for an instance that is not registered', async () => {
    await expect(
      ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [ids.s3Only], Parameters: { commands: ['true'] } })),
    ).rejects.toMatchObject({ name: 'InvalidInstanceId', message: expect.stringContaining(ids.s3Only) });
  });

  it('hides a new command from GetCommandInvocation and ListCommandInvocations for a moment (InvocationDoesNotExist)', async () => {
    await until('the agent', async () => ((await online(ids.ssm)).join() === 'Online' ? true : undefined));
    // A lag longer than a round trip: 1 s exactly.
    const lagged = await startSandbox({ profile: 'fast', realism: { visibilityLagMs: { min: 1_000, max: 1_000 } } });
    const lec2 = new EC2Client({ ...lagged.clientConfig(REGION), maxAttempts: 1 });
    const lssm = new SSMClient({ ...lagged.clientConfig(REGION), maxAttempts: 1 });
    try {
      const run = await lec2.send(new RunInstancesCommand({ ImageId: BASE, MinCount: 1, MaxCount: 1, IamInstanceProfile: { Name: EXAMPLE_INSTANCE_PROFILE } }));
      const id = run.Instances![0].InstanceId!;
      await until('the agent', async () => {
        const info = await lssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [id] }] }));
        return info.InstanceInformationList?.[0]?.PingStatus === 'Online' ? true : undefined;
      });
      const sent = await lssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [id], Parameters: { commands: ['echo hi'] } }));
      const commandId = sent.Command!.CommandId!;
      await expect(lssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id }))).rejects.toMatchObject({ name: 'InvocationDoesNotExist' });
      expect((await lssm.send(new ListCommandInvocationsCommand({ CommandId: commandId }))).CommandInvocations).toEqual([]);
      const done = await until('the invocation', () =>
        lssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id })).then((r) => (r.Status === 'Success' ? r : undefined), () => undefined),
      );
      expect(done.StandardOutputContent).toBe('hi\n');
    } finally {
      lec2.destroy();
      lssm.destroy();
      await lagged.stop();
    }
  });

  it('keeps a command for a registered but offline instance Pending, then Delayed, then ends it DeliveryTimedOut', async () => {
    await until('the agent', async () => ((await online(ids.ssm)).join() === 'Online' ? true : undefined));
    await sandbox.control.setAgentOnline(ids.ssm, false);
    try {
      const sent = await ssm.send(
        new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [ids.ssm], TimeoutSeconds: 30, Parameters: { commands: ['echo never'] } }),
      );
      expect(sent.Command?.Status).toBe('Pending');
      const statuses = new Set<string>();
      const final = await until('delivery to time out', async () => {
        const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: sent.Command!.CommandId!, InstanceId: ids.ssm })).catch(() => undefined);
        if (inv?.Status) statuses.add(inv.Status);
        return inv && !['Pending', 'Delayed'].includes(inv.Status ?? '') ? inv : undefined;
      });
      expect(statuses.has('Delayed')).toBe(true);
      expect(final).toMatchObject({ Status: 'TimedOut', StatusDetails: 'DeliveryTimedOut', StandardOutputContent: '' });
    } finally {
      await sandbox.control.setAgentOnline(ids.ssm, true);
    }
  });

  it('cancels a command with CancelCommand, so it never runs', async () => {
    await sandbox.control.setAgentOnline(ids.ssm, false);
    try {
      const sent = await ssm.send(
        new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [ids.ssm], Parameters: { commands: ['touch /opt/should-not-exist'] } }),
      );
      await ssm.send(new CancelCommandCommand({ CommandId: sent.Command!.CommandId! }));
      const inv = await until('the cancellation', () =>
        ssm.send(new GetCommandInvocationCommand({ CommandId: sent.Command!.CommandId!, InstanceId: ids.ssm })).then((r) => (r.Status === 'Cancelled' ? r : undefined), () => undefined),
      );
      expect(inv.StatusDetails).toBe('Cancelled');
    } finally {
      await sandbox.control.setAgentOnline(ids.ssm, true);
    }
    // Back online, the cancelled command stays cancelled.
    const check = await ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [ids.ssm], Parameters: { commands: ['test -e /opt/should-not-exist && echo ran || echo not-run'] } }));
    const out = await until('the check', () =>
      ssm.send(new GetCommandInvocationCommand({ CommandId: check.Command!.CommandId!, InstanceId: ids.ssm })).then((r) => (r.Status === 'Success' ? r : undefined), () => undefined),
    );
    expect(out.StandardOutputContent).toBe('not-run\n');
  });

  it('describes load balancers with their zones, and which load balancer a target group is attached to', async () => {
    const lbs = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [EXAMPLE_LOAD_BALANCER_ARNS[REGION]] }));
    expect(lbs.LoadBalancers?.[0].AvailabilityZones?.map((z) => [z.ZoneName, z.SubnetId])).toEqual([[`${REGION}a`, SUBNET_A]]);
    const groups = await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [EXAMPLE_TARGET_GROUP_ARNS[REGION], LONELY_TG] }));
    expect(groups.TargetGroups?.map((g) => g.LoadBalancerArns)).toEqual([[EXAMPLE_LOAD_BALANCER_ARNS[REGION]], []]);
    await expect(elb.send(new DescribeLoadBalancersCommand({ Names: ['nope'] }))).rejects.toMatchObject({ name: 'LoadBalancerNotFoundException' });
    expect(sandbox.loadBalancers[REGION].lonely).toBeUndefined();
  });

  it('reports targets no load balancer sends traffic to as unused, Target.NotInUse, with AWS reasons', async () => {
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: EXAMPLE_TARGET_GROUP_ARNS[REGION], Targets: [{ Id: ids.zoneB }] }));
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: LONELY_TG, Targets: [{ Id: ids.ssm }] }));
    const zone = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: EXAMPLE_TARGET_GROUP_ARNS[REGION], Targets: [{ Id: ids.zoneB }] }));
    expect(zone.TargetHealthDescriptions?.[0].TargetHealth).toEqual({
      State: 'unused',
      Reason: 'Target.NotInUse',
      Description: 'Target is in an Availability Zone that is not enabled for the load balancer',
    });
    const lonely = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: LONELY_TG }));
    expect(lonely.TargetHealthDescriptions?.map((d) => d.TargetHealth)).toEqual([
      { State: 'unused', Reason: 'Target.NotInUse', Description: 'Target group is not configured to receive traffic from the load balancer' },
    ]);
  });

  it('lets DeregisterTargets of a target that is not registered succeed, as AWS does', async () => {
    await expect(elb.send(new DeregisterTargetsCommand({ TargetGroupArn: EXAMPLE_TARGET_GROUP_ARNS[REGION], Targets: [{ Id: ids.bare }] }))).resolves.toBeDefined();
    const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: EXAMPLE_TARGET_GROUP_ARNS[REGION], Targets: [{ Id: ids.bare }] }));
    expect(health.TargetHealthDescriptions?.[0].TargetHealth?.Reason).toBe('Target.NotRegistered');
  });

  it('answers IAM: an instance profile and its role, and whether the role allows an action', async () => {
    const profile = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 's3-only' }));
    const role = profile.InstanceProfile?.Roles?.[0];
    expect(role).toMatchObject({ RoleName: 's3-only', Arn: `arn:aws:iam::${SANDBOX_ACCOUNT_ID}:role/s3-only` });
    const simulated = await iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: role!.Arn, ActionNames: ['ssm:UpdateInstanceInformation', 's3:GetObject'] }));
    expect(simulated.EvaluationResults?.map((r) => [r.EvalActionName, r.EvalDecision])).toEqual([
      ['ssm:UpdateInstanceInformation', 'implicitDeny'],
      ['s3:GetObject', 'allowed'],
    ]);
    await expect(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'missing' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      $metadata: { httpStatusCode: 404 },
      message: 'Instance Profile missing cannot be found.',
    });
  });
});
