/**
 * Resolving ids in a request the way EC2 does: Malformed before NotFound, all missing ids named.
 * "Missing" includes what the API does not show yet (a new instance or image, for the realism's
 * visibility lag) or no longer (an instance terminated long ago): AWS answers NotFound for both
 * ("Eventual consistency in the Amazon EC2 API").
 */
import { AwsApiError } from '../protocol/errors';
import { IMAGE_ID_PATTERN, INSTANCE_ID_PATTERN, SNAPSHOT_ID_PATTERN } from '../state/ids';
import type { ImageRecord } from '../state/images';
import type { InstanceRecord } from '../state/instances';
import type { SandboxState } from '../state/sandbox-state';
import type { SnapshotRecord } from '../state/snapshots';

/** The instance if the API shows it now. */
export function visibleInstance(state: SandboxState, region: string, id: string): InstanceRecord | undefined {
  return state.instances.getVisible(region, id, state.realism.terminatedVisibleMs);
}

/** The instances the API shows in a region now. */
export function visibleInstances(state: SandboxState, region: string): InstanceRecord[] {
  return state.instances.listVisible(region, state.realism.terminatedVisibleMs);
}

/** The instances named, in order; throws `InvalidInstanceID.Malformed`/`.NotFound` as AWS. */
export function requireInstances(state: SandboxState, region: string, ids: readonly string[]): InstanceRecord[] {
  const malformed = ids.find((id) => !INSTANCE_ID_PATTERN.test(id));
  if (malformed !== undefined) throw new AwsApiError('InvalidInstanceID.Malformed', `Invalid id: "${malformed}"`);
  const found = ids.map((id) => visibleInstance(state, region, id));
  const missing = ids.filter((_, i) => !found[i]);
  if (missing.length === 1) throw new AwsApiError('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
  if (missing.length > 1) throw new AwsApiError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
  return found as InstanceRecord[];
}

/** The registered images named, as the API shows them; throws `InvalidAMIID.Malformed`/`.NotFound` as AWS. */
export function requireImages(state: SandboxState, region: string, ids: readonly string[]): ImageRecord[] {
  const malformed = ids.find((id) => !IMAGE_ID_PATTERN.test(id));
  if (malformed !== undefined) throw new AwsApiError('InvalidAMIID.Malformed', `Invalid id: "${malformed}" (expecting "ami-...")`);
  const found = ids.map((id) => state.images.findVisible(region, id));
  const missing = ids.filter((_, i) => !found[i]);
  if (missing.length) throw new AwsApiError('InvalidAMIID.NotFound', `The image id '[${missing.join(', ')}]' does not exist`);
  return found as ImageRecord[];
}

/** The snapshots named; throws `InvalidSnapshotID.Malformed`/`InvalidSnapshot.NotFound` as AWS. */
export function requireSnapshots(state: SandboxState, region: string, ids: readonly string[]): SnapshotRecord[] {
  const malformed = ids.find((id) => !SNAPSHOT_ID_PATTERN.test(id));
  if (malformed !== undefined) throw new AwsApiError('InvalidSnapshotID.Malformed', `Invalid id: "${malformed}" (expecting "snap-...")`);
  const found = ids.map((id) => state.snapshots.find(region, id));
  const missing = ids.filter((_, i) => !found[i]);
  if (missing.length) throw new AwsApiError('InvalidSnapshot.NotFound', `The snapshot '${missing.join(', ')}' does not exist.`);
  return found as SnapshotRecord[];
}
