/** Resolving ids in a request the way EC2 does: Malformed before NotFound, all missing ids named. */
import { AwsApiError } from '../protocol/errors';
import { IMAGE_ID_PATTERN, INSTANCE_ID_PATTERN } from '../state/ids';
import type { ImageRecord } from '../state/images';
import type { InstanceRecord } from '../state/instances';
import type { SandboxState } from '../state/sandbox-state';

/** The instances named, in order; throws `InvalidInstanceID.Malformed`/`.NotFound` as AWS. */
export function requireInstances(state: SandboxState, region: string, ids: readonly string[]): InstanceRecord[] {
  const malformed = ids.find((id) => !INSTANCE_ID_PATTERN.test(id));
  if (malformed !== undefined) throw new AwsApiError('InvalidInstanceID.Malformed', `Invalid id: "${malformed}"`);
  const missing = ids.filter((id) => !state.instances.getInRegion(region, id));
  if (missing.length === 1) throw new AwsApiError('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
  if (missing.length > 1) throw new AwsApiError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
  return ids.map((id) => state.instances.getInRegion(region, id) as InstanceRecord);
}

/** The registered images named; throws `InvalidAMIID.Malformed`/`.NotFound` as AWS. */
export function requireImages(state: SandboxState, region: string, ids: readonly string[]): ImageRecord[] {
  const malformed = ids.find((id) => !IMAGE_ID_PATTERN.test(id));
  if (malformed !== undefined) throw new AwsApiError('InvalidAMIID.Malformed', `Invalid id: "${malformed}" (expecting "ami-...")`);
  const missing = ids.filter((id) => !state.images.findRegistered(region, id));
  if (missing.length) throw new AwsApiError('InvalidAMIID.NotFound', `The image id '[${missing.join(', ')}]' does not exist`);
  return ids.map((id) => state.images.findRegistered(region, id) as ImageRecord);
}
