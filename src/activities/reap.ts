import { DescribeImagesCommand, type Image } from '@aws-sdk/client-ec2';
import { EXISTING_STATES, listInstances } from '../aws/list-instances';
import { awsCall } from '../aws/errors';
import { clientToken } from '../aws/client-token';
import { deregisterWithSnapshots } from '../aws/images';
import type { ActivityDeps } from './deps';
import { logSpared, ownershipProver } from './ownership-proof';
import { deleteSnapshots, isImageSnapshot, listImageSnapshots, orphanSnapshots } from './reap-snapshots';
import { createTerminateInstances } from './terminate-instances';
import {
  BUILDER_LAUNCH_STEP,
  imageNameFor,
  type ReapedResource,
  type ReapInput,
  type ReapOutput,
  Roles,
  TagKeys,
  tagValue,
} from '../contracts';
import { heartbeat } from '../aws/heartbeat';

/** Statuses of a run that will never again need what it created. */
const CLOSED_BADLY = new Set(['FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT']);

/**
 * The reaper's work in one region, among resources tagged by hybrid-deploy (of one app). A tag
 * alone proves nothing (anyone can write one), so each candidate is first proven to be ours:
 * its workflow id and run id are known to Temporal as a run of a hybrid-deploy workflow that is
 * no longer running, and the resource is what that run made — a builder carries the ClientToken
 * its run's builder launch had (set at launch, never writable later), an image carries the
 * deterministic name of its run's image. Then it removes:
 * - builders whose `hybrid-deploy:expires-at` has passed (kept for debugging): terminated;
 * - builders with no expiry older than `maxBuilderAgeHours` (orphans of a crashed run): terminated;
 * - images left `failed` or `pending`, and available images of a run that failed, was cancelled,
 *   terminated or timed out, unless an instance runs from them: deregistered, with their snapshots;
 * - snapshots of our images that no image of ours is made of any more (an image deregistered
 *   without them): deleted, once their run is proven — a snapshot carries AWS's own description
 *   of an image's snapshot, written at CreateImage or CopyImage.
 * Everything else is spared (and logged with the reason). A dry run removes nothing.
 */
export function createReapExpired(deps: ActivityDeps) {
  const terminate = createTerminateInstances(deps);
  return async function reapExpired(input: ReapInput): Promise<ReapOutput> {
    const ec2 = deps.clients.ec2(input.region);
    const now = Date.parse(input.now);
    const maxAgeMs = input.maxBuilderAgeHours * 3_600_000;
    const prove = ownershipProver(deps);
    const spare = (kind: string, id: string, reason: string) => logSpared(kind, id, input.region, reason);
    const appFilter = input.app ? [{ Name: `tag:${TagKeys.app}`, Values: [input.app] }] : [];

    const instances = await listInstances(ec2, 'hybrid-deploy resources', [...appFilter, { Name: 'tag-key', Values: [TagKeys.role] }, { Name: 'instance-state-name', Values: EXISTING_STATES }]);
    const removedInstances: ReapedResource[] = [];
    for (const instance of instances) {
      const tags = instance.Tags;
      if (tagValue(tags, TagKeys.role) !== Roles.builder) continue;
      const expiresAt = tagValue(tags, TagKeys.expiresAt);
      const launched = instance.LaunchTime ? new Date(instance.LaunchTime).getTime() : now;
      // Kept on purpose until its expiry; without one, young builders may belong to a slow bake.
      if (expiresAt !== undefined ? !(Date.parse(expiresAt) <= now) : now - launched < maxAgeMs) continue;
      const proof = await prove(tags, (workflowId, runId) => instance.ClientToken === clientToken({ workflowId, runId }, `${input.region}/${BUILDER_LAUNCH_STEP}/0`));
      if ('spared' in proof) {
        spare('instance', instance.InstanceId!, proof.spared);
        continue;
      }
      const entry = { kind: 'instance' as const, id: instance.InstanceId!, region: input.region, name: tagValue(tags, 'Name') };
      removedInstances.push({
        ...entry,
        reason:
          expiresAt !== undefined
            ? `expired at ${expiresAt} (builder of ${proof.owner}, ${proof.run.status})`
            : `orphaned builder: launched ${new Date(launched).toISOString()}, its deploy ${proof.owner} is ${proof.run.status}`,
      });
    }

    const inUse = new Set(instances.map((i) => i.ImageId));
    const removedImages: ReapedResource[] = [];
    const images = await listImages(ec2, appFilter);
    for (const image of images) {
      const sizeGiB = (image.BlockDeviceMappings ?? []).reduce((total, m) => total + (m.Ebs?.SnapshotId ? (m.Ebs.VolumeSize ?? 0) : 0), 0);
      const entry = { kind: 'image' as const, id: image.ImageId!, region: input.region, name: image.Name, sizeGiB };
      const [app, version] = [tagValue(image.Tags, TagKeys.app), tagValue(image.Tags, TagKeys.version)];
      const proof = await prove(image.Tags, (_workflowId, runId) => !!app && !!version && image.Name === imageNameFor(app, version, runId));
      if ('spared' in proof) {
        if (image.State !== 'available') spare('image', entry.id, proof.spared);
        continue;
      }
      const { owner, run } = proof;
      if (image.State === 'failed') removedImages.push({ ...entry, reason: `failed: ${image.StateReason?.Message ?? 'no reason given'} (made by ${owner}, ${run.status})` });
      else if (image.State === 'pending') removedImages.push({ ...entry, reason: `left pending: its deploy ${owner} is ${run.status}` });
      else if (image.State === 'available' && CLOSED_BADLY.has(run.status) && !inUse.has(image.ImageId)) {
        removedImages.push({ ...entry, reason: `made by a deploy that did not succeed: ${owner} is ${run.status}` });
      }
    }

    // Snapshots of images that stay are in use; those of images removed here go with them.
    const removedIds = new Set<string | undefined>(removedImages.map((r) => r.id));
    const keptImages = images.filter((i) => !removedIds.has(i.ImageId));
    const removingSnapshots = new Set(images.filter((i) => removedIds.has(i.ImageId)).flatMap((i) => (i.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId)));
    const snapshots = (await listImageSnapshots(ec2, appFilter)).filter((s) => !removingSnapshots.has(s.SnapshotId));
    const removedSnapshots = await orphanSnapshots(snapshots, keptImages, input.region, async (snapshot) => {
      const proof = await prove(snapshot.Tags, () => isImageSnapshot(snapshot));
      if ('spared' in proof) spare('snapshot', snapshot.SnapshotId!, proof.spared);
      return 'spared' in proof ? undefined : `${proof.owner}, ${proof.run.status}`;
    });

    heartbeat({ found: removedInstances.length + removedImages.length + removedSnapshots.length });
    if (!input.dryRun) {
      if (removedInstances.length > 0) {
        await terminate({ region: input.region, instanceIds: removedInstances.map((r) => r.id), timeoutSeconds: input.timeoutSeconds });
      }
      for (const image of removedImages) await deregisterWithSnapshots(ec2, input.region, image.id);
      await deleteSnapshots(ec2, removedSnapshots);
    }
    return { removed: [...removedInstances, ...removedImages, ...removedSnapshots] };
  };
}

type Ec2 = ReturnType<ActivityDeps['clients']['ec2']>;
type Filter = { Name: string; Values: string[] };

async function listImages(ec2: Ec2, appFilter: Filter[]): Promise<Image[]> {
  const { Images } = await awsCall('ec2:DescribeImages hybrid-deploy images', () =>
    ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [...appFilter, { Name: `tag:${TagKeys.role}`, Values: [Roles.image] }] })),
  );
  return Images ?? [];
}
