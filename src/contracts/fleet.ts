/** An instance as the procedures track it: its id and the address smoke tests use. */
export interface InstanceRef {
  instanceId: string;
  privateIp: string;
}

/** A live fleet member: its id, address and the version it was launched or last synced with. */
export interface FleetMember extends InstanceRef {
  version: string;
}

/** An instance a mutable rollout changed, and the release to put back if the deploy fails. */
export interface UpdatedInstance extends InstanceRef {
  previousVersion: string;
}

/** An image from the catalog. */
export interface CatalogImage {
  imageId: string;
  imageName: string;
  version: string;
  bakedAt: string;
}

/** How one instance ran a command. */
export interface CommandResult {
  instanceId: string;
  status: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Where the whole output is (`s3://bucket/…/0.awsrunShellScript/`), when kept. */
  outputLocation?: string;
}

/** What syncCode did on one instance. */
export interface SyncResult {
  instanceId: string;
  ok: boolean;
  /** The release `current` pointed at before (empty on a fresh instance). */
  previousVersion: string;
  /** False when the version was already current: a no-op. */
  changed: boolean;
  error?: string;
  /** Set when the release was placed and its post-deploy tasks (run in the same command) failed. */
  failedIn?: 'post-deploy';
}

/** One resource the reaper removed (or, in a dry run, would remove), and why. */
export interface ReapedResource {
  kind: 'instance' | 'image' | 'snapshot';
  id: string;
  region: string;
  reason: string;
  name?: string;
  /** Images and snapshots: the snapshot storage removing it frees (GiB). */
  sizeGiB?: number;
}
