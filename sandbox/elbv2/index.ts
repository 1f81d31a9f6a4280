/** The ELBv2 allow-list. Anything else is `InvalidAction`. */
import type { OperationTable } from '../protocol/handler';
import { describeLoadBalancers } from './describe-load-balancers';
import { deregisterTargets, describeTargetGroups, describeTargetHealth, registerTargets } from './target-groups';

export const ELBV2_OPERATIONS: OperationTable = {
  DescribeTargetGroups: describeTargetGroups,
  RegisterTargets: registerTargets,
  DeregisterTargets: deregisterTargets,
  DescribeTargetHealth: describeTargetHealth,
  DescribeLoadBalancers: describeLoadBalancers,
};
