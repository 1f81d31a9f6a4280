/** DescribeInstances and DescribeInstanceStatus. */
import type {
  DescribeInstanceStatusRequest,
  DescribeInstanceStatusResult,
  DescribeInstancesRequest,
  DescribeInstancesResult,
  InstanceStatus,
  SummaryStatus,
} from '@aws-sdk/client-ec2';
import { AwsApiError } from '../protocol/errors';
import type { OperationContext } from '../protocol/handler';
import type { InstanceRecord } from '../state/instances';
import { applyFilters, type FilterFields } from './filters';
import { paginate } from '../protocol/pagination';
import { requireInstances, visibleInstances } from './lookup';
import { instanceState } from './render';
import { reservationOf } from './run-instances';

const INSTANCE_FILTERS: FilterFields<InstanceRecord> = {
  'instance-id': (i) => [i.id],
  'instance-state-name': (i) => [i.state],
  'instance-state-code': (i) => [String(instanceState(i).Code)],
  'image-id': (i) => [i.imageId],
  'instance-type': (i) => [i.instanceType],
  'private-ip-address': (i) => [i.privateIp],
  'subnet-id': (i) => [i.subnetId],
  'vpc-id': (i) => [i.vpcId],
  'availability-zone': (i) => [i.availabilityZone],
  'reservation-id': (i) => [i.reservationId],
  'client-token': (i) => [i.clientToken],
  'instance.group-id': (i) => i.securityGroups.map((g) => g.id),
};

function checkMaxResults(maxResults: number | undefined, withIds: boolean, min: number): void {
  if (maxResults === undefined) return;
  if (withIds) {
    throw new AwsApiError('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
  }
  if (maxResults < min || maxResults > 1000) {
    throw new AwsApiError('InvalidParameterValue', `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${min} and 1000.`);
  }
}

/** Instances grouped into their reservations, filtered and paginated (by instance). */
export function describeInstances({ state, region }: OperationContext, input: DescribeInstancesRequest): DescribeInstancesResult {
  const ids = input.InstanceIds ?? [];
  checkMaxResults(input.MaxResults, ids.length > 0, 5);
  const candidates = ids.length ? requireInstances(state, region, ids) : visibleInstances(state, region);
  const matching = applyFilters(candidates, input.Filters, INSTANCE_FILTERS, (i) => i.tags);
  const { page, nextToken } = paginate(matching, input.MaxResults, input.NextToken);
  const byReservation = new Map<string, InstanceRecord[]>();
  for (const i of page) byReservation.set(i.reservationId, [...(byReservation.get(i.reservationId) ?? []), i]);
  return {
    Reservations: [...byReservation].map(([rid, instances]) => reservationOf(state.accountId, rid, instances)),
    NextToken: nextToken,
  };
}

function summary(ok: boolean, running: boolean): { Status: SummaryStatus; Details: { Name: 'reachability'; Status: 'passed' | 'initializing' }[] } | { Status: SummaryStatus } {
  if (!running) return { Status: 'not-applicable' };
  return { Status: ok ? 'ok' : 'initializing', Details: [{ Name: 'reachability', Status: ok ? 'passed' : 'initializing' }] };
}

const STATUS_FILTERS: FilterFields<InstanceRecord> = {
  'instance-id': (i) => [i.id],
  'instance-state-name': (i) => [i.state],
  'availability-zone': (i) => [i.availabilityZone],
  'instance-status.status': (i) => [summary(i.statusOk, i.state === 'running').Status],
  'system-status.status': (i) => [summary(i.statusOk, i.state === 'running').Status],
};

/** Status checks: `initializing` until the agent-online delay after running has passed, then `ok`. */
export function describeInstanceStatus({ state, region }: OperationContext, input: DescribeInstanceStatusRequest): DescribeInstanceStatusResult {
  const ids = input.InstanceIds ?? [];
  checkMaxResults(input.MaxResults, ids.length > 0, 5);
  let candidates = ids.length ? requireInstances(state, region, ids) : visibleInstances(state, region);
  if (!input.IncludeAllInstances) candidates = candidates.filter((i) => i.state === 'running');
  const matching = applyFilters(candidates, input.Filters, STATUS_FILTERS, (i) => i.tags);
  const { page, nextToken } = paginate(matching, input.MaxResults, input.NextToken);
  return {
    InstanceStatuses: page.map(
      (i): InstanceStatus => ({
        InstanceId: i.id,
        AvailabilityZone: i.availabilityZone,
        InstanceState: instanceState(i),
        InstanceStatus: summary(i.statusOk, i.state === 'running'),
        SystemStatus: summary(i.statusOk, i.state === 'running'),
      }),
    ),
    NextToken: nextToken,
  };
}
