/** CreateTags and DeleteTags on instances, images and snapshots (a new, not yet visible one is NotFound). */
import type { CreateTagsRequest, DeleteTagsRequest } from '@aws-sdk/client-ec2';
import { AwsApiError, required } from '../protocol/errors';
import type { OperationContext } from '../protocol/handler';
import type { TagSet } from '../state/tags';
import { requireImages, requireInstances, requireSnapshots } from './lookup';

/** Every resource's tag set, checked before any change (one bad id changes nothing). */
function tagSetsOf({ state, region }: OperationContext, ids: readonly string[]): TagSet[] {
  return ids.map((id) => {
    if (id.startsWith('i-')) return requireInstances(state, region, [id])[0].tags;
    if (id.startsWith('ami-')) return requireImages(state, region, [id])[0].tags;
    if (id.startsWith('snap-')) return requireSnapshots(state, region, [id])[0].tags;
    throw new AwsApiError('InvalidID', `The ID '${id}' is not valid`);
  });
}

export function createTags(ctx: OperationContext, input: CreateTagsRequest): void {
  const sets = tagSetsOf(ctx, required(input.Resources, 'ResourceId.1'));
  const tags = required(input.Tags, 'Tag.1');
  for (const set of sets) set.add(tags);
}

export function deleteTags(ctx: OperationContext, input: DeleteTagsRequest): void {
  const sets = tagSetsOf(ctx, required(input.Resources, 'ResourceId.1'));
  // Without Tags, DeleteTags removes every tag of the resources.
  for (const set of sets) set.remove(input.Tags ?? set.keys().map((Key) => ({ Key })));
}
