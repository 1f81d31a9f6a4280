import { DeregisterImageCommand, DescribeImagesCommand, DescribeInstancesCommand, type Image, type Instance } from '@aws-sdk/client-ec2';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { awsCall } from '../aws/errors';
import type { ActivityDeps, WorkflowLookup } from './deps';
import { createTerminateInstances } from './terminate-instances';
import { type ReapedResource, type ReapInput, type ReapOutput, Roles, TagKeys, tagValue } from '../contracts';

/** Statuses of a run that will never again need what it created. */
const CLOSED_BADLY = new Set(['FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT']);

/** A {@link WorkflowLookup} over a Temporal client: the worker's own connection. */
export function workflowLookup(client: Client): WorkflowLookup {
  return {
    async status(workflowId, runId) {
      try {
        return (await client.workflow.getHandle(workflowId, runId).describe()).status.name;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      }
    },
  };
}

/**
 * The reaper's work in one region. Removes, among resources tagged by hybrid-deploy (of one app):
 * - instances whose `hybrid-deploy:expires-at` has passed (kept builders): terminated;
 * - builders with no expiry, older than `maxBuilderAgeHours`, whose deploy run is not running
 *   (orphans of a crashed or killed run): terminated;
 * - images left `failed`; images still `pending` whose run is not running; available images of a
 *   run that failed, was cancelled, terminated or timed out, unless an instance runs from them:
 *   deregistered.
 * Ownership is checked through `deps.temporal`; without it, nothing is removed on ownership
 * grounds. Reports every resource with the reason; a dry run removes nothing.
 */
export function createReapExpired(deps: ActivityDeps) {
  const terminate = createTerminateInstances(deps);
  return async function reapExpired(input: ReapInput): Promise<ReapOutput> {
    const ec2 = deps.clients.ec2(input.region);
    const now = Date.parse(input.now);
    const maxAgeMs = input.maxBuilderAgeHours * 3_600_000;
    const statuses = new Map<string, Promise<string | undefined>>();
    /** The status of the run that created a resource; 'unknown' when it cannot be checked. */
    const ownerStatus = (tags: Image['Tags']): Promise<string | undefined> => {
      const workflowId = tagValue(tags, TagKeys.workflowId);
      const runId = tagValue(tags, TagKeys.runId);
      if (!deps.temporal || !workflowId || !runId) return Promise.resolve('unknown');
      const key = `${workflowId}\u0000${runId}`;
      if (!statuses.has(key)) statuses.set(key, deps.temporal.status(workflowId, runId));
      return statuses.get(key)!;
    };
    const describeOwner = (status: string | undefined) => (status === undefined ? 'is unknown to Temporal' : `is ${status}`);
    const appFilter = input.app ? [{ Name: `tag:${TagKeys.app}`, Values: [input.app] }] : [];

    const instances = await listInstances(ec2, appFilter);
    const removedInstances: ReapedResource[] = [];
    for (const instance of instances) {
      const tags = instance.Tags;
      const owner = `${tagValue(tags, TagKeys.workflowId)} run ${tagValue(tags, TagKeys.runId)}`;
      const expiresAt = tagValue(tags, TagKeys.expiresAt);
      const entry = { kind: 'instance' as const, id: instance.InstanceId!, region: input.region, name: tagValue(tags, 'Name') };
      if (expiresAt !== undefined) {
        // Kept on purpose until then: never treated as an orphan before it expires.
        if (!(Date.parse(expiresAt) <= now)) continue;
        removedInstances.push({ ...entry, reason: `expired at ${expiresAt} (${tagValue(tags, TagKeys.role) ?? 'instance'} of ${owner})` });
        continue;
      }
      if (tagValue(tags, TagKeys.role) !== Roles.builder) continue;
      const launched = instance.LaunchTime ? new Date(instance.LaunchTime).getTime() : now;
      if (now - launched < maxAgeMs) continue;
      const status = await ownerStatus(tags);
      if (status === 'RUNNING' || status === 'unknown') continue;
      removedInstances.push({ ...entry, reason: `orphaned builder: launched ${new Date(launched).toISOString()}, its deploy ${owner} ${describeOwner(status)}` });
    }

    const inUse = new Set(instances.map((i) => i.ImageId));
    const removedImages: ReapedResource[] = [];
    for (const image of await listImages(ec2, appFilter)) {
      const entry = { kind: 'image' as const, id: image.ImageId!, region: input.region, name: image.Name };
      const owner = `${tagValue(image.Tags, TagKeys.workflowId)} run ${tagValue(image.Tags, TagKeys.runId)}`;
      if (image.State === 'failed') {
        removedImages.push({ ...entry, reason: `failed: ${image.StateReason?.Message ?? 'no reason given'}` });
        continue;
      }
      const status = await ownerStatus(image.Tags);
      if (status === 'RUNNING' || status === 'unknown') continue;
      if (image.State === 'pending') removedImages.push({ ...entry, reason: `left pending: its deploy ${owner} ${describeOwner(status)}` });
      else if (image.State === 'available' && status !== undefined && CLOSED_BADLY.has(status) && !inUse.has(image.ImageId)) {
        removedImages.push({ ...entry, reason: `made by a deploy that did not succeed: ${owner} ${describeOwner(status)}` });
      }
    }

    Context.current().heartbeat({ found: removedInstances.length + removedImages.length });
    if (!input.dryRun) {
      if (removedInstances.length > 0) {
        await terminate({ region: input.region, instanceIds: removedInstances.map((r) => r.id), timeoutSeconds: input.timeoutSeconds });
      }
      for (const image of removedImages) {
        await awsCall(`ec2:DeregisterImage ${image.id}`, () => ec2.send(new DeregisterImageCommand({ ImageId: image.id })));
      }
    }
    return { removed: [...removedInstances, ...removedImages] };
  };
}

type Ec2 = ReturnType<ActivityDeps['clients']['ec2']>;
type Filter = { Name: string; Values: string[] };

async function listInstances(ec2: Ec2, appFilter: Filter[]): Promise<Instance[]> {
  const out: Instance[] = [];
  let NextToken: string | undefined;
  do {
    const page = await awsCall('ec2:DescribeInstances hybrid-deploy resources', () =>
      ec2.send(
        new DescribeInstancesCommand({
          Filters: [...appFilter, { Name: 'tag-key', Values: [TagKeys.role] }, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }],
          MaxResults: 500,
          NextToken,
        }),
      ),
    );
    out.push(...(page.Reservations ?? []).flatMap((r) => r.Instances ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

async function listImages(ec2: Ec2, appFilter: Filter[]): Promise<Image[]> {
  const { Images } = await awsCall('ec2:DescribeImages hybrid-deploy images', () =>
    ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [...appFilter, { Name: `tag:${TagKeys.role}`, Values: [Roles.image] }] })),
  );
  return Images ?? [];
}
