import { DescribeImagesCommand, type Image } from '@aws-sdk/client-ec2';
import { bakedAt } from '../aws/catalog';
import { awsCall } from '../aws/errors';
import { heartbeat } from '../aws/heartbeat';
import { deregisterWithSnapshots } from '../aws/images';
import { allPages } from '../aws/pages';
import type { ActivityDeps } from './deps';
import { imagesInUse } from './image-usage';
import { ownershipProver } from './ownership-proof';
import { decideRetention, type RetentionCandidate } from './retention-policy';
import { type ApplyRetentionInput, type ApplyRetentionOutput, type CatalogEntry, imageNameFor, Roles, TagKeys, tagValue } from '../contracts';

const DAY_MS = 86_400_000;

/**
 * The retention policy applied to one app's images in one region (see `decideRetention`): lists
 * the catalog with each image's age, version, bake key, size and why it stays or goes, then —
 * unless it is a dry run — deregisters the images that go, with their snapshots. An image is
 * removed only when it is proven to be an image a hybrid-deploy run baked or copied and that run
 * is over; an image of a deploy that still runs, or not proven ours, is never touched. Images not
 * yet or no longer available are left to the reaper, which knows why they are so.
 */
export function createApplyRetention(deps: ActivityDeps) {
  return async function applyRetention(input: ApplyRetentionInput): Promise<ApplyRetentionOutput> {
    const ec2 = deps.clients.ec2(input.region);
    const now = Date.parse(input.now);
    const images = await allPages(
      (NextToken) =>
        awsCall(`ec2:DescribeImages catalog of ${input.app} in ${input.region}`, () =>
          ec2.send(
            new DescribeImagesCommand({
              Owners: ['self'],
              Filters: [
                { Name: `tag:${TagKeys.app}`, Values: [input.app] },
                { Name: `tag:${TagKeys.role}`, Values: [Roles.image] },
              ],
              MaxResults: 1000,
              NextToken,
            }),
          ),
        ),
      (page) => page.Images,
    );
    const inUse = await imagesInUse(ec2, input.region);
    const prove = ownershipProver(deps, { forgottenRunsProven: true });
    const candidates: RetentionCandidate[] = [];
    for (const image of images.filter((i) => i.State === 'available')) {
      const version = tagValue(image.Tags, TagKeys.version) ?? '';
      const proof = await prove(image.Tags, (_workflowId, runId) => image.Name === imageNameFor(input.app, version, runId));
      candidates.push({
        imageId: image.ImageId!,
        bakedAt: bakedAt(image),
        inUse: inUse.get(image.ImageId!),
        ...('spared' in proof ? { untouchable: `never removed: ${proof.spared}` } : {}),
      });
    }
    const decisions = decideRetention(candidates, input.policy, now);
    const entries = images.map((image): CatalogEntry => entryOf(image, input.region, now, decisions.get(image.ImageId!)));
    heartbeat({ listed: entries.length });

    const removed = entries.filter((e) => e.decision.action === 'remove');
    if (!input.dryRun) {
      for (const entry of removed) {
        await deregisterWithSnapshots(ec2, input.region, entry.imageId);
        heartbeat({ deregistered: entry.imageId });
      }
    }
    const sum = (list: CatalogEntry[]) => list.reduce((total, e) => total + e.sizeGiB, 0);
    return { images: entries, keptGiB: sum(entries.filter((e) => e.decision.action === 'keep')), freedGiB: sum(removed) };
  };
}

function entryOf(image: Image, region: string, now: number, decision: CatalogEntry['decision'] | undefined): CatalogEntry {
  const baked = bakedAt(image);
  const disks = (image.BlockDeviceMappings ?? []).filter((m) => m.Ebs?.SnapshotId);
  return {
    region,
    imageId: image.ImageId!,
    imageName: image.Name ?? '',
    state: image.State ?? 'unknown',
    version: tagValue(image.Tags, TagKeys.version) ?? '',
    bakeKey: tagValue(image.Tags, TagKeys.bakeKey),
    bakedAt: baked,
    ageDays: Math.max(0, Math.floor(((now - Date.parse(baked)) / DAY_MS) * 10) / 10),
    sizeGiB: disks.reduce((total, m) => total + (m.Ebs?.VolumeSize ?? 0), 0),
    snapshotIds: disks.map((m) => m.Ebs!.SnapshotId!),
    decision: decision ?? { action: 'keep', reason: `${image.State}: left to the reaper, which removes it once its deploy is over` },
  };
}
