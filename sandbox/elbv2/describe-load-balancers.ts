/**
 * DescribeLoadBalancers (the configured ones: name, ARN, enabled zones), and the rule that makes a
 * target `unused` with `Target.NotInUse`: its group is attached to no load balancer, or the
 * target sits in a zone its load balancer does not enable (ELB user guide, "Target health
 * status", reason codes).
 */
import type { DescribeLoadBalancersInput, DescribeLoadBalancersOutput, LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancerConfig } from '../config/schema';
import { AwsApiError } from '../protocol/errors';
import type { OperationContext } from '../protocol/handler';
import { paginate } from '../protocol/pagination';
import type { InstanceRecord } from '../state/instances';
import type { SandboxState } from '../state/sandbox-state';
import type { TargetGroupRecord } from '../state/target-groups';

function notFound(): AwsApiError {
  return new AwsApiError('LoadBalancerNotFound', 'One or more load balancers not found');
}

/** The load balancer a target group is attached to, if any. */
export function loadBalancerOf(state: SandboxState, group: TargetGroupRecord): LoadBalancerConfig | undefined {
  const arn = group.config.loadBalancerArn;
  return arn ? state.region(group.region)?.loadBalancers.find((lb) => lb.arn === arn) : undefined;
}

/** Why a registered target gets no traffic whatever its health, or undefined when it can. */
export function notInUse(state: SandboxState, group: TargetGroupRecord, instance: InstanceRecord | undefined): string | undefined {
  const lb = loadBalancerOf(state, group);
  if (!lb) return 'Target group is not configured to receive traffic from the load balancer';
  if (instance && !lb.availabilityZones.includes(instance.availabilityZone)) {
    return 'Target is in an Availability Zone that is not enabled for the load balancer';
  }
  return undefined;
}

function render(state: SandboxState, region: string, lb: LoadBalancerConfig): LoadBalancer {
  const config = state.region(region);
  const id = lb.arn.split('/').pop();
  return {
    LoadBalancerArn: lb.arn,
    LoadBalancerName: lb.name,
    DNSName: `${lb.name}-${id}.${region}.elb.amazonaws.com`,
    CanonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
    CreatedTime: new Date('2026-11-01T00:00:00.000Z'),
    Scheme: 'internet-facing',
    VpcId: config?.vpcId,
    State: { Code: 'active' },
    Type: 'application',
    IpAddressType: 'ipv4',
    AvailabilityZones: lb.availabilityZones.map((zone) => ({ ZoneName: zone, SubnetId: config?.subnets.find((s) => s.availabilityZone === zone)?.id })),
    SecurityGroups: config?.securityGroups.slice(0, 1).map((g) => g.id),
  };
}

export function describeLoadBalancers({ state, region }: OperationContext, input: DescribeLoadBalancersInput): DescribeLoadBalancersOutput {
  const all = state.region(region)?.loadBalancers ?? [];
  let chosen = all;
  if (input.LoadBalancerArns?.length) chosen = input.LoadBalancerArns.map((arn) => all.find((lb) => lb.arn === arn) ?? (() => { throw notFound(); })());
  if (input.Names?.length) chosen = input.Names.map((name) => chosen.find((lb) => lb.name === name) ?? (() => { throw notFound(); })());
  const { page, nextToken } = paginate(chosen, input.PageSize, input.Marker);
  return { LoadBalancers: page.map((lb) => render(state, region, lb)), NextMarker: nextToken };
}
