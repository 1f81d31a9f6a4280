/** DescribeSnapshots and DeleteSnapshot: the EBS snapshots images are made of. */
import type { DeleteSnapshotRequest, DescribeSnapshotsRequest, DescribeSnapshotsResult, Snapshot } from '@aws-sdk/client-ec2';
import { AwsApiError, required } from '../protocol/errors';
import type { OperationContext } from '../protocol/handler';
import { paginate } from '../protocol/pagination';
import type { SnapshotRecord } from '../state/snapshots';
import { applyFilters, type FilterFields } from './filters';
import { requireSnapshots } from './lookup';

const SNAPSHOT_FILTERS: FilterFields<SnapshotRecord> = {
  'snapshot-id': (s) => [s.id],
  status: (s) => [s.state],
  'owner-id': (s) => [s.ownerId],
  'owner-alias': (s) => [s.ownerAlias],
  description: (s) => [s.description],
  'volume-size': (s) => [String(s.volumeSize)],
};

function render(s: SnapshotRecord): Snapshot {
  const tags = s.tags.toList();
  return {
    SnapshotId: s.id,
    OwnerId: s.ownerId,
    OwnerAlias: s.ownerAlias,
    Description: s.description,
    State: s.state,
    Progress: s.state === 'completed' ? '100%' : '0%',
    StartTime: s.startTime,
    VolumeId: 'vol-ffffffff',
    VolumeSize: s.volumeSize,
    Encrypted: false,
    StorageTier: 'standard',
    Tags: tags.length ? tags : undefined,
  };
}

/** Snapshots by id, owner (`self`, `amazon`, an account id) and filters; deleted ones are gone. */
export function describeSnapshots({ state, region }: OperationContext, input: DescribeSnapshotsRequest): DescribeSnapshotsResult {
  const ids = input.SnapshotIds ?? [];
  let snapshots = ids.length ? requireSnapshots(state, region, ids) : state.snapshots.listInRegion(region);
  const owners = input.OwnerIds ?? [];
  if (owners.length) {
    snapshots = snapshots.filter((s) => owners.some((o) => (o === 'self' ? s.ownerId === state.accountId : o === s.ownerId || o === s.ownerAlias)));
  }
  const matching = applyFilters(snapshots, input.Filters, SNAPSHOT_FILTERS, (s) => s.tags);
  const { page, nextToken } = paginate(matching, input.MaxResults, input.NextToken);
  return { Snapshots: page.map(render), NextToken: nextToken };
}

/** Deletes a snapshot; one that a registered image is made of is `InvalidSnapshot.InUse`, as AWS. */
export function deleteSnapshot({ state, region }: OperationContext, input: DeleteSnapshotRequest): void {
  const [snapshot] = requireSnapshots(state, region, [required(input.SnapshotId, 'SnapshotId')]);
  if (snapshot.ownerId !== state.accountId) throw new AwsApiError('UnauthorizedOperation', `You are not authorized to delete snapshot ${snapshot.id}`);
  const users = state.images.usingSnapshot(snapshot.id);
  if (users.length) throw new AwsApiError('InvalidSnapshot.InUse', `The snapshot ${snapshot.id} is currently in use by ${users[0].id}`);
  snapshot.deleted = true;
}
