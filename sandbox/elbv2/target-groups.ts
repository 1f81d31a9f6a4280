/** DescribeTargetGroups, RegisterTargets, DeregisterTargets, DescribeTargetHealth. */
import type {
  DeregisterTargetsInput,
  DeregisterTargetsOutput,
  DescribeTargetGroupsInput,
  DescribeTargetGroupsOutput,
  DescribeTargetHealthInput,
  DescribeTargetHealthOutput,
  RegisterTargetsInput,
  RegisterTargetsOutput,
  TargetDescription,
  TargetGroup,
  TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { paginate } from '../protocol/pagination';
import { AwsApiError, required } from '../protocol/errors';
import type { OperationContext } from '../protocol/handler';
import type { SandboxState } from '../state/sandbox-state';
import { registrationKey, type Registration, type TargetGroupRecord } from '../state/target-groups';
import { visibleInstance } from '../ec2/lookup';
import { notInUse } from './describe-load-balancers';
import { beginDraining, groupTimings, healthPort } from './target-health';

function notFound(): AwsApiError {
  return new AwsApiError('TargetGroupNotFound', 'One or more target groups not found');
}

function requireGroup(state: SandboxState, region: string, arn: string): TargetGroupRecord {
  const group = state.targetGroups.getInRegion(region, arn);
  if (!group) throw notFound();
  return group;
}

function render(state: SandboxState, g: TargetGroupRecord): TargetGroup {
  const t = groupTimings(state, g);
  const vpcId = state.region(g.region)?.vpcId;
  return {
    TargetGroupArn: g.config.arn,
    TargetGroupName: g.config.name,
    Protocol: 'HTTP',
    Port: g.config.port,
    VpcId: vpcId,
    HealthCheckProtocol: 'HTTP',
    HealthCheckPort: String(g.config.healthCheckPort),
    HealthCheckEnabled: true,
    HealthCheckIntervalSeconds: Math.max(1, Math.round(t.intervalMs / 1000)),
    HealthCheckTimeoutSeconds: Math.max(1, Math.round(t.timeoutMs / 1000)),
    HealthyThresholdCount: t.healthyThreshold,
    UnhealthyThresholdCount: t.unhealthyThreshold,
    HealthCheckPath: g.config.healthCheckPath,
    Matcher: { HttpCode: g.config.matcher },
    LoadBalancerArns: g.config.loadBalancerArn ? [g.config.loadBalancerArn] : [],
    TargetType: 'instance',
    ProtocolVersion: 'HTTP1',
    IpAddressType: 'ipv4',
  };
}

export function describeTargetGroups({ state, region }: OperationContext, input: DescribeTargetGroupsInput): DescribeTargetGroupsOutput {
  let groups = state.targetGroups.listInRegion(region);
  if (input.TargetGroupArns?.length) {
    groups = input.TargetGroupArns.map((arn) => requireGroup(state, region, arn));
  }
  if (input.Names?.length) {
    groups = input.Names.map((name) => groups.find((g) => g.config.name === name) ?? (() => { throw notFound(); })());
  }
  if (input.LoadBalancerArn) groups = groups.filter((g) => g.config.loadBalancerArn === input.LoadBalancerArn);
  const { page, nextToken } = paginate(groups, input.PageSize, input.Marker);
  return { TargetGroups: page.map((g) => render(state, g)), NextMarker: nextToken };
}

function targetsOf(group: TargetGroupRecord, targets: TargetDescription[]): { id: string; port: number }[] {
  return targets.map((t) => ({ id: required(t.Id, 'Targets.member.N.Id', 'ValidationError'), port: t.Port ?? group.config.port }));
}

/** Registers running instances; a re-registered draining target starts over at `initial`. */
export function registerTargets({ state, region }: OperationContext, input: RegisterTargetsInput): RegisterTargetsOutput {
  const group = requireGroup(state, region, required(input.TargetGroupArn, 'TargetGroupArn', 'ValidationError'));
  const targets = targetsOf(group, required(input.Targets, 'Targets', 'ValidationError'));
  const invalid = targets.filter((t) => visibleInstance(state, region, t.id)?.state !== 'running');
  if (invalid.length) {
    throw new AwsApiError('InvalidTarget', `The following targets are not in a running state and cannot be registered: '${invalid.map((t) => t.id).join(', ')}'`);
  }
  for (const t of targets) {
    const key = registrationKey(t.id, t.port);
    const existing = group.registrations.get(key);
    if (existing && existing.state !== 'draining') continue;
    group.registrations.set(key, {
      targetId: t.id,
      port: t.port,
      state: 'initial',
      reason: 'Elb.RegistrationInProgress',
      description: 'Target registration is in progress',
      consecutiveOk: 0,
      consecutiveFail: 0,
      generation: (existing?.generation ?? 0) + 1,
    });
  }
  return {};
}

/**
 * Deregisters: `draining` for the deregistration delay, then gone. A target that is not
 * registered is no error (AWS answers success), so a repeated or late deregistration is harmless.
 */
export function deregisterTargets({ state, region }: OperationContext, input: DeregisterTargetsInput): DeregisterTargetsOutput {
  const group = requireGroup(state, region, required(input.TargetGroupArn, 'TargetGroupArn', 'ValidationError'));
  const targets = targetsOf(group, required(input.Targets, 'Targets', 'ValidationError'));
  for (const t of targets) {
    const reg = group.registrations.get(registrationKey(t.id, t.port));
    if (reg && reg.state !== 'draining') beginDraining(state, group, reg);
  }
  return {};
}

export function describeTargetHealth({ state, region }: OperationContext, input: DescribeTargetHealthInput): DescribeTargetHealthOutput {
  const group = requireGroup(state, region, required(input.TargetGroupArn, 'TargetGroupArn', 'ValidationError'));
  const wanted = input.Targets?.length ? targetsOf(group, input.Targets) : undefined;
  const rows: TargetHealthDescription[] = [];
  if (wanted) {
    for (const t of wanted) {
      const reg = group.registrations.get(registrationKey(t.id, t.port));
      rows.push(
        reg
          ? describe(state, group, reg)
          : {
              Target: { Id: t.id, Port: t.port },
              HealthCheckPort: String(group.config.healthCheckPort === 'traffic-port' ? t.port : group.config.healthCheckPort),
              TargetHealth: { State: 'unused', Reason: 'Target.NotRegistered', Description: 'Target is not registered to the target group' },
            },
      );
    }
  } else {
    for (const reg of group.registrations.values()) rows.push(describe(state, group, reg));
  }
  return { TargetHealthDescriptions: rows };
}

function describe(state: SandboxState, group: TargetGroupRecord, reg: Registration): TargetHealthDescription {
  const target = { Target: { Id: reg.targetId, Port: reg.port }, HealthCheckPort: String(healthPort(group, reg)) };
  // No load balancer sends it traffic, whatever its health: unused, Target.NotInUse (until deregistered).
  const idle = reg.state === 'draining' ? undefined : notInUse(state, group, state.instances.get(reg.targetId));
  if (idle) return { ...target, TargetHealth: { State: 'unused', Reason: 'Target.NotInUse', Description: idle } };
  return { ...target, TargetHealth: { State: reg.state, Reason: reg.reason, Description: reg.description } };
}
