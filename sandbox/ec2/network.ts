/**
 * DescribeSubnets and DescribeSecurityGroups: the configured VPC's subnets (each in one zone) and
 * security groups, as a preflight reads them. Nothing about traffic is enforced (see README).
 */
import type {
  DescribeSecurityGroupsRequest,
  DescribeSecurityGroupsResult,
  DescribeSubnetsRequest,
  DescribeSubnetsResult,
  SecurityGroup,
  Subnet,
} from '@aws-sdk/client-ec2';
import type { RegionConfig } from '../config/schema';
import { AwsApiError } from '../protocol/errors';
import type { OperationContext } from '../protocol/handler';
import { paginate } from '../protocol/pagination';
import { SECURITY_GROUP_ID_PATTERN, SUBNET_ID_PATTERN } from '../state/ids';
import { TagSet } from '../state/tags';
import { applyFilters } from './filters';

type SubnetConfig = RegionConfig['subnets'][number];
type GroupConfig = RegionConfig['securityGroups'][number];

function regionOf({ state, region }: OperationContext): RegionConfig {
  const config = state.region(region);
  if (!config) throw new AwsApiError('InternalError', `region ${region} is not configured`, 500);
  return config;
}

/** Resolves ids as EC2 does: Malformed first, then every missing one named. */
function pick<T extends { id: string }>(all: T[], ids: readonly string[], pattern: RegExp, kind: { malformed: string; notFound: string; noun: string }): T[] {
  const malformed = ids.find((id) => !pattern.test(id));
  if (malformed !== undefined) throw new AwsApiError(kind.malformed, `Invalid id: "${malformed}"`);
  const missing = ids.filter((id) => !all.some((x) => x.id === id));
  if (missing.length) throw new AwsApiError(kind.notFound, `The ${kind.noun} '${missing.join(', ')}' does not exist`);
  return ids.map((id) => all.find((x) => x.id === id) as T);
}

const noTags = new TagSet();

export function describeSubnets(ctx: OperationContext, input: DescribeSubnetsRequest): DescribeSubnetsResult {
  const region = regionOf(ctx);
  const ids = input.SubnetIds ?? [];
  const chosen = ids.length
    ? pick(region.subnets, ids, SUBNET_ID_PATTERN, { malformed: 'InvalidSubnetID.Malformed', notFound: 'InvalidSubnetID.NotFound', noun: 'subnet ID' })
    : region.subnets;
  const matching = applyFilters<SubnetConfig>(
    chosen,
    input.Filters,
    { 'subnet-id': (s) => [s.id], 'vpc-id': () => [region.vpcId], 'availability-zone': (s) => [s.availabilityZone], state: () => ['available'] },
    () => noTags,
  );
  const { page, nextToken } = paginate(matching, input.MaxResults, input.NextToken);
  return {
    Subnets: page.map(
      (s, i): Subnet => ({
        SubnetId: s.id,
        SubnetArn: `arn:aws:ec2:${ctx.region}:${ctx.state.accountId}:subnet/${s.id}`,
        VpcId: region.vpcId,
        AvailabilityZone: s.availabilityZone,
        State: 'available',
        CidrBlock: `10.0.${i}.0/24`,
        AvailableIpAddressCount: 251,
        DefaultForAz: false,
        MapPublicIpOnLaunch: false,
        OwnerId: ctx.state.accountId,
      }),
    ),
    NextToken: nextToken,
  };
}

export function describeSecurityGroups(ctx: OperationContext, input: DescribeSecurityGroupsRequest): DescribeSecurityGroupsResult {
  const region = regionOf(ctx);
  const ids = input.GroupIds ?? [];
  const chosen = ids.length
    ? pick(region.securityGroups, ids, SECURITY_GROUP_ID_PATTERN, { malformed: 'InvalidGroupId.Malformed', notFound: 'InvalidGroup.NotFound', noun: 'security group' })
    : region.securityGroups;
  const matching = applyFilters<GroupConfig>(
    chosen,
    input.Filters,
    { 'group-id': (g) => [g.id], 'group-name': (g) => [g.name], 'vpc-id': () => [region.vpcId] },
    () => noTags,
  );
  const { page, nextToken } = paginate(matching, input.MaxResults, input.NextToken);
  return {
    SecurityGroups: page.map(
      (g): SecurityGroup => ({ GroupId: g.id, GroupName: g.name, Description: g.name, VpcId: region.vpcId, OwnerId: ctx.state.accountId, IpPermissions: [], IpPermissionsEgress: [] }),
    ),
    NextToken: nextToken,
  };
}
