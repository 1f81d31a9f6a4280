/** DescribeInstanceInformation: the SSM agents that have registered, and whether they are online. */
import type { DescribeInstanceInformationRequest, DescribeInstanceInformationResult, InstanceInformation } from '@aws-sdk/client-ssm';
import { paginate } from '../protocol/pagination';
import { AwsApiError } from '../protocol/errors';
import type { OperationContext } from '../protocol/handler';
import type { InstanceRecord } from '../state/instances';
import { visibleInstances } from '../ec2/lookup';

/** `Online` only while running, registered and not forced offline; otherwise `ConnectionLost`. */
export function pingStatus(instance: InstanceRecord): 'Online' | 'ConnectionLost' {
  return instance.state === 'running' && instance.agent === 'online' && !instance.agentForcedOffline ? 'Online' : 'ConnectionLost';
}

const FIELDS: Readonly<Record<string, (i: InstanceRecord) => string>> = {
  InstanceIds: (i) => i.id,
  PingStatus: pingStatus,
  PlatformTypes: () => 'Linux',
  ResourceType: () => 'EC2Instance',
};

/** Both filter styles reduce to key → accepted values (AND across keys). */
function collectFilters(input: DescribeInstanceInformationRequest): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const f of input.InstanceInformationFilterList ?? []) out.push([f.key ?? '', f.valueSet ?? []]);
  for (const f of input.Filters ?? []) out.push([f.Key ?? '', f.Values ?? []]);
  for (const [key] of out) {
    if (!FIELDS[key]) throw new AwsApiError('InvalidInstanceInformationFilterValue', `The filter key ${key} is not supported by the sandbox`);
  }
  return out;
}

function render(i: InstanceRecord): InstanceInformation {
  return {
    InstanceId: i.id,
    PingStatus: pingStatus(i),
    LastPingDateTime: i.agentLastPing,
    AgentVersion: '3.3.1000.0',
    IsLatestVersion: true,
    PlatformType: 'Linux',
    PlatformName: 'Amazon Linux',
    PlatformVersion: '2023',
    ResourceType: 'EC2Instance',
    IPAddress: i.privateIp,
    ComputerName: `ip-${i.privateIp.replace(/\./g, '-')}.ec2.internal`,
    AssociationStatus: 'Success',
    SourceId: i.id,
    SourceType: 'AWS::EC2::Instance',
  };
}

export function describeInstanceInformation({ state, region }: OperationContext, input: DescribeInstanceInformationRequest): DescribeInstanceInformationResult {
  if (input.MaxResults !== undefined && (input.MaxResults < 5 || input.MaxResults > 50)) {
    throw new AwsApiError('ValidationException', `1 validation error detected: Value '${input.MaxResults}' at 'maxResults' failed to satisfy constraint: Member must have value between 5 and 50`);
  }
  const filters = collectFilters(input);
  const registered = visibleInstances(state, region)
    .filter((i) => i.agent !== 'not-registered' && i.state !== 'terminated')
    .filter((i) => filters.every(([key, values]) => values.includes(FIELDS[key](i))));
  const { page, nextToken } = paginate(registered, input.MaxResults, input.NextToken);
  return { InstanceInformationList: page.map(render), NextToken: nextToken };
}
