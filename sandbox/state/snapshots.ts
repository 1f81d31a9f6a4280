/** EBS snapshots: the ones images are made of. Records and store. */
import type { SnapshotState } from '@aws-sdk/client-ec2';
import type { TagSet } from './tags';

/** One snapshot. Deleted snapshots stay in the store (hidden from DescribeSnapshots) for the control listing. */
export interface SnapshotRecord {
  readonly id: string;
  readonly region: string;
  readonly ownerId: string;
  readonly ownerAlias?: string;
  readonly description: string;
  readonly volumeSize: number;
  readonly startTime: Date;
  readonly tags: TagSet;
  state: SnapshotState;
  deleted: boolean;
}

/** Every snapshot ever made or preloaded. */
export class SnapshotStore {
  private readonly byId = new Map<string, SnapshotRecord>();

  add(snapshot: SnapshotRecord): void {
    this.byId.set(snapshot.id, snapshot);
  }

  /** A snapshot that exists (not deleted) in the region. */
  find(region: string, id: string): SnapshotRecord | undefined {
    const s = this.byId.get(id);
    return s && s.region === region && !s.deleted ? s : undefined;
  }

  listInRegion(region: string): SnapshotRecord[] {
    return [...this.byId.values()].filter((s) => s.region === region && !s.deleted);
  }

  listAll(): SnapshotRecord[] {
    return [...this.byId.values()];
  }

  clear(): void {
    this.byId.clear();
  }
}
