import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsCall, hasAwsCode } from '../aws/errors';
import type { Findings } from './problems';

/** What one region's settings point at, as a deploy will use them. */
export interface RegionTargets {
  region: string;
  subnetIds: string[];
  securityGroupIds: string[];
  targetGroupArn?: string;
}

/** The zones a target group's load balancers enable, or undefined when the group cannot take traffic (a problem is recorded). */
export async function checkTargetGroup(findings: Findings, elb: ElasticLoadBalancingV2Client, region: string, arn: string): Promise<Set<string> | undefined> {
  const path = `regionSettings.${region}.targetGroupArn`;
  let zones: Set<string> | undefined;
  await findings.check(path, `target group ${arn}`, async () => {
    let lbArns: string[];
    try {
      const { TargetGroups } = await awsCall(`elbv2:DescribeTargetGroups ${arn}`, () => elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] })));
      lbArns = TargetGroups?.[0]?.LoadBalancerArns ?? [];
    } catch (error) {
      if (!hasAwsCode(error, 'TargetGroupNotFound', 'TargetGroupNotFoundException')) throw error;
      return findings.problem(path, `${arn} does not exist in ${region}: create it, or name an existing target group`);
    }
    if (lbArns.length === 0) {
      return findings.problem(path, `${arn} is attached to no load balancer, so its targets would never get traffic (unused, Target.NotInUse): add it to a listener rule of a load balancer`);
    }
    const { LoadBalancers } = await awsCall('elbv2:DescribeLoadBalancers', () => elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: lbArns })));
    zones = new Set((LoadBalancers ?? []).flatMap((lb) => (lb.AvailabilityZones ?? []).map((z) => z.ZoneName!)));
  });
  return zones;
}

/** Every subnet exists, and sits in a zone the load balancer enables (or its instances get no traffic). */
export async function checkSubnets(findings: Findings, ec2: EC2Client, targets: RegionTargets, enabledZones: Set<string> | undefined): Promise<void> {
  const { region, subnetIds } = targets;
  await findings.check(`regionSettings.${region}.subnetIds`, `subnets ${subnetIds.join(', ')}`, async () => {
    const zones = new Map<string, string>();
    for (const [i, id] of subnetIds.entries()) {
      try {
        const { Subnets } = await awsCall(`ec2:DescribeSubnets ${id}`, () => ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] })));
        zones.set(id, Subnets?.[0]?.AvailabilityZone ?? '');
      } catch (error) {
        if (!hasAwsCode(error, 'InvalidSubnetID.NotFound', 'InvalidSubnetID.Malformed')) throw error;
        findings.problem(`regionSettings.${region}.subnetIds[${i}]`, `${id} does not exist in ${region}: name a subnet of this region's VPC`);
      }
    }
    if (!enabledZones) return;
    for (const [i, id] of subnetIds.entries()) {
      const zone = zones.get(id);
      if (zone && !enabledZones.has(zone)) {
        findings.problem(
          `regionSettings.${region}.subnetIds[${i}]`,
          `${id} is in ${zone}, a zone the load balancer of targetGroupArn does not enable (it enables ${[...enabledZones].sort().join(', ')}): ` +
            `instances there would get no traffic; enable ${zone} on the load balancer, or use a subnet in an enabled zone`,
        );
      }
    }
  });
}

/** Every security group exists in the region. */
export async function checkSecurityGroups(findings: Findings, ec2: EC2Client, targets: RegionTargets): Promise<void> {
  const { region, securityGroupIds } = targets;
  await findings.check(`regionSettings.${region}.securityGroupIds`, `security groups ${securityGroupIds.join(', ')}`, async () => {
    for (const [i, id] of securityGroupIds.entries()) {
      try {
        await awsCall(`ec2:DescribeSecurityGroups ${id}`, () => ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] })));
      } catch (error) {
        if (!hasAwsCode(error, 'InvalidGroup.NotFound', 'InvalidGroupId.Malformed')) throw error;
        findings.problem(`regionSettings.${region}.securityGroupIds[${i}]`, `${id} does not exist in ${region}: name a security group of this region's VPC`);
      }
    }
  });
}
