import { listInstances } from '../aws/list-instances';
import type { ActivityDeps } from './deps';
import { type FindFleetInput, type FindFleetOutput, type FleetMember, Roles, TagKeys, tagValue } from '../contracts';

/**
 * Finds the live fleet of an app and environment in a region: instances hybrid-deploy launched
 * as the fleet (by tag), pending or running. Instances it did not create are never touched.
 */
export function createFindFleet({ clients }: ActivityDeps) {
  return async function findFleet(input: FindFleetInput): Promise<FindFleetOutput> {
    const ec2 = clients.ec2(input.region);
    const instances = await listInstances<FleetMember>(
      ec2,
      `fleet of ${input.app}/${input.env}`,
      [
        { Name: `tag:${TagKeys.app}`, Values: [input.app] },
        { Name: `tag:${TagKeys.env}`, Values: [input.env] },
        { Name: `tag:${TagKeys.role}`, Values: [Roles.fleet] },
        { Name: 'instance-state-name', Values: ['pending', 'running'] },
      ],
      (instance) => ({ instanceId: instance.InstanceId!, privateIp: instance.PrivateIpAddress ?? '', version: tagValue(instance.Tags, TagKeys.version) ?? '' }),
    );
    instances.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    return { instances };
  };
}
