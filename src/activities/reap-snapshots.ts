import { DeleteSnapshotCommand, DescribeSnapshotsCommand, type EC2Client, type Image, type Snapshot } from '@aws-sdk/client-ec2';
import { awsCall } from '../aws/errors';
import { type ReapedResource, Roles, TagKeys, tagValue } from '../contracts';

type Filter = { Name: string; Values: string[] };

/** Our image snapshots (tagged at creation by bakeAmi and copyAmi), of one app or all. */
export async function listImageSnapshots(ec2: EC2Client, appFilter: Filter[]): Promise<Snapshot[]> {
  const out: Snapshot[] = [];
  let NextToken: string | undefined;
  do {
    const page = await awsCall('ec2:DescribeSnapshots hybrid-deploy snapshots', () =>
      ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [...appFilter, { Name: `tag:${TagKeys.role}`, Values: [Roles.image] }], MaxResults: 1000, NextToken })),
    );
    out.push(...(page.Snapshots ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

/**
 * Whether a snapshot is an image's, as AWS describes one it made for CreateImage ("Created by
 * CreateImage(i-…) for ami-…") or CopyImage ("Copied for DestinationAmi ami-… from SourceAmi …"):
 * what a bake or a copy leaves behind, not a volume snapshot someone took and tagged.
 */
export function isImageSnapshot(snapshot: Snapshot): boolean {
  return /^(Created by CreateImage\(i-[0-9a-f]+\) for ami-[0-9a-f]+|Copied for DestinationAmi ami-[0-9a-f]+ from SourceAmi ami-[0-9a-f]+)/.test(snapshot.Description ?? '');
}

/**
 * Snapshots no image of ours is made of any more (an image deregistered without them, by a
 * person or an older version): AWS keeps them, and bills them, until they are deleted.
 * `kept` are the images that stay; `provenOwner` names the closed run of ours that made a
 * snapshot, or is undefined to spare it (a running deploy's, or one not proven ours).
 */
export async function orphanSnapshots(
  snapshots: Snapshot[],
  kept: Image[],
  region: string,
  provenOwner: (snapshot: Snapshot) => Promise<string | undefined>,
): Promise<ReapedResource[]> {
  const used = new Set(kept.flatMap((i) => (i.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId)));
  const out: ReapedResource[] = [];
  for (const s of snapshots) {
    if (used.has(s.SnapshotId)) continue;
    const owner = await provenOwner(s);
    if (owner === undefined) continue;
    out.push({ kind: 'snapshot', id: s.SnapshotId!, region, name: tagValue(s.Tags, 'Name'), sizeGiB: s.VolumeSize ?? 0, reason: `no image is made of it any more (an image snapshot of ${owner})` });
  }
  return out;
}

/** Deletes the snapshots. */
export async function deleteSnapshots(ec2: EC2Client, snapshots: ReapedResource[]): Promise<void> {
  for (const s of snapshots) await awsCall(`ec2:DeleteSnapshot ${s.id}`, () => ec2.send(new DeleteSnapshotCommand({ SnapshotId: s.id })));
}
