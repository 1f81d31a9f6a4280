/** CreateImage, CopyImage, DescribeImages, DeregisterImage. */
import { rm } from 'node:fs/promises';
import type {
  CopyImageRequest,
  CopyImageResult,
  CreateImageRequest,
  CreateImageResult,
  DeregisterImageRequest,
  DeregisterImageResult,
  DescribeImagesRequest,
  DescribeImagesResult,
} from '@aws-sdk/client-ec2';
import { randomLag } from '../config/realism';
import { copyRoot } from '../host/image-roots';
import { AwsApiError, required } from '../protocol/errors';
import type { OperationContext } from '../protocol/handler';
import { newResourceId } from '../state/ids';
import type { ImageRecord } from '../state/images';
import type { SandboxState } from '../state/sandbox-state';
import { TagSet } from '../state/tags';
import { applyFilters, tagsFromSpecifications, type FilterFields } from './filters';
import { paginate } from '../protocol/pagination';
import { holdRoot, rebootAround } from './instance-lifecycle';
import { requireImages, requireInstances } from './lookup';
import { renderImage } from './render';
import { requestFingerprint } from './run-instances';

const AMI_NAME = /^[A-Za-z0-9()[\] ./\-'@_]{3,128}$/;

function checkName(state: SandboxState, region: string, name: string): void {
  if (!AMI_NAME.test(name)) {
    throw new AwsApiError('InvalidAMIName.Malformed', `AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'`);
  }
  const existing = state.images.findByName(region, name);
  if (existing) throw new AwsApiError('InvalidAMIName.Duplicate', `AMI name ${name} is already in use by AMI ${existing.id}`);
}

/**
 * The image's root-volume snapshot, `pending` until the image settles. Tagged from the request's
 * `TagSpecifications` of type `snapshot` (CreateImage and CopyImage both accept them).
 */
function newSnapshot(state: SandboxState, region: string, description: string, tags: { Key?: string; Value?: string }[]): string {
  const id = newResourceId('snap');
  state.snapshots.add({ id, region, ownerId: state.accountId, description, volumeSize: 8, startTime: new Date(), tags: new TagSet(tags), state: 'pending', deleted: false });
  return id;
}

/** Fingerprints of CopyImage requests by client token (a reuse with any change is a mismatch). */
const copyFingerprints = new WeakMap<ImageRecord, string>();

/**
 * Ends the image's `pending` state once `copy` finished and `ms` elapsed: `available`, or
 * `failed` with a StateReason when a fault was armed or the copy failed. Its snapshots complete
 * with it (or end in `error`).
 */
function settleLater(state: SandboxState, image: ImageRecord, ms: number, copy: Promise<void>): void {
  const injected = state.faults.takeImageFailure();
  const started = Date.now();
  state.scheduler.track(
    `image ${image.id}`,
    copy.then(
      () => finish(undefined),
      (err: unknown) => finish({ code: 'Client.InternalError', message: `Client.InternalError: copy failed: ${String(err)}` }),
    ),
  );
  function finish(copyFailure?: { code: string; message: string }): void {
    state.scheduler.after(ms - (Date.now() - started), `image ${image.id}`, () => {
      const failure = copyFailure ?? injected;
      for (const id of image.snapshotIds) {
        const snapshot = state.snapshots.find(image.region, id);
        if (snapshot) snapshot.state = failure ? 'error' : 'completed';
      }
      if (image.deregistered) return;
      image.state = failure ? 'failed' : 'available';
      image.stateReason = failure;
    });
  }
}

/** CreateImage: snapshot the instance's root; a running instance is "rebooted" unless NoReboot. */
export function createImage({ state, region }: OperationContext, input: CreateImageRequest): CreateImageResult {
  const [instance] = requireInstances(state, region, [required(input.InstanceId, 'InstanceId')]);
  const name = required(input.Name, 'Name');
  if (instance.state !== 'running' && instance.state !== 'stopped') {
    throw new AwsApiError('IncorrectInstanceState', `Instance '${instance.id}' is not in a state from which it can be imaged (state: ${instance.state}).`);
  }
  // Right after `stopped`, EC2 may still see the instance as stopping (hashicorp/packer#9562;
  // Packer retries CreateImage since #9579).
  if (instance.state === 'stopped' && Date.now() < (instance.stoppedAt ?? 0) + state.realism.stoppedSettleMs) {
    throw new AwsApiError('InvalidParameterValue', `Invalid value '${instance.id}' for instanceId. Instance is not in state 'running' or 'stopped'`);
  }
  checkName(state, region, name);
  const id = newResourceId('ami');
  const snapshotId = newSnapshot(state, region, `Created by CreateImage(${instance.id}) for ${id}`, tagsFromSpecifications(input.TagSpecifications, 'snapshot'));
  const image: ImageRecord = {
    id,
    region,
    name,
    description: input.Description,
    ownerId: state.accountId,
    public: false,
    root: state.imageRoot(region, id),
    creationDate: new Date(),
    sourceInstanceId: instance.id,
    tags: new TagSet(tagsFromSpecifications(input.TagSpecifications, 'image')),
    snapshotIds: [snapshotId],
    state: 'pending',
    deregistered: false,
    visibleAt: Date.now() + randomLag(state.realism.visibilityLagMs),
  };
  state.images.add(image);
  const snapshot = (): Promise<void> => copyRoot(instance.root, image.root);
  const copy = instance.state === 'running' && !input.NoReboot ? rebootAround(state, instance, snapshot) : snapshot();
  holdRoot(instance, copy);
  settleLater(state, image, state.timings.imageCreateMs, copy);
  return { ImageId: id };
}

/** CopyImage: from `SourceRegion` into the request's region; idempotent by ClientToken. */
export function copyImage({ state, region }: OperationContext, input: CopyImageRequest): CopyImageResult {
  const sourceRegion = required(input.SourceRegion, 'SourceRegion');
  const sourceId = required(input.SourceImageId, 'SourceImageId');
  const name = required(input.Name, 'Name');
  const fingerprint = requestFingerprint(input);
  if (input.ClientToken) {
    const earlier = state.images.findByToken(region, input.ClientToken);
    if (earlier) {
      if (copyFingerprints.get(earlier) !== fingerprint) {
        throw new AwsApiError('IdempotentParameterMismatch', 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).');
      }
      return { ImageId: earlier.id };
    }
  }
  if (!state.region(sourceRegion)) throw new AwsApiError('InvalidParameterValue', `Invalid source region: ${sourceRegion}`);
  const [source] = requireImages(state, sourceRegion, [sourceId]);
  if (source.state !== 'available') {
    throw new AwsApiError('IncorrectState', `Image '${sourceId}' is not in a valid state for copying (state: ${source.state})`);
  }
  checkName(state, region, name);
  const id = newResourceId('ami');
  const tags = tagsFromSpecifications(input.TagSpecifications, 'image');
  const snapshotId = newSnapshot(state, region, `Copied for DestinationAmi ${id} from SourceAmi ${sourceId} in ${sourceRegion}`, tagsFromSpecifications(input.TagSpecifications, 'snapshot'));
  const image: ImageRecord = {
    id,
    region,
    name,
    description: input.Description ?? source.description,
    ownerId: state.accountId,
    public: false,
    root: state.imageRoot(region, id),
    creationDate: new Date(),
    sourceImageId: sourceId,
    sourceRegion,
    clientToken: input.ClientToken,
    tags: new TagSet([...(input.CopyImageTags ? source.tags.toList() : []), ...tags]),
    snapshotIds: [snapshotId],
    state: 'pending',
    deregistered: false,
    visibleAt: Date.now() + randomLag(state.realism.visibilityLagMs),
  };
  state.images.add(image);
  copyFingerprints.set(image, fingerprint);
  settleLater(state, image, state.timings.imageCopyMs, copyRoot(source.root, image.root));
  return { ImageId: id };
}

const IMAGE_FILTERS: FilterFields<ImageRecord> = {
  'image-id': (i) => [i.id],
  name: (i) => [i.name],
  state: (i) => [i.state],
  'owner-id': (i) => [i.ownerId],
  'owner-alias': (i) => [i.ownerAlias],
  'is-public': (i) => [String(i.public)],
  description: (i) => [i.description],
  architecture: () => ['x86_64'],
  'image-type': () => ['machine'],
  'root-device-type': () => ['ebs'],
  'virtualization-type': () => ['hvm'],
};

/** DescribeImages: registered images (pending, available and failed), with Owners, ids and filters. */
export function describeImages({ state, region }: OperationContext, input: DescribeImagesRequest): DescribeImagesResult {
  const ids = input.ImageIds ?? [];
  let images = ids.length ? requireImages(state, region, ids) : state.images.listVisible(region);
  const owners = input.Owners ?? [];
  if (owners.length) {
    images = images.filter((i) =>
      owners.some((o) => (o === 'self' ? i.ownerId === state.accountId : o === i.ownerId || o === i.ownerAlias)),
    );
  }
  const matching = applyFilters(images, input.Filters, IMAGE_FILTERS, (i) => i.tags);
  const { page, nextToken } = paginate(matching, input.MaxResults, input.NextToken);
  return { Images: page.map(renderImage), NextToken: nextToken };
}

/**
 * DeregisterImage: hidden from DescribeImages at once; its root is deleted. Its snapshots stay
 * (and stay billed) unless `DeleteAssociatedSnapshots` asks for them, and even then a snapshot
 * another image still uses is kept (EC2 API reference, DeregisterImage).
 */
export function deregisterImage({ state, region }: OperationContext, input: DeregisterImageRequest): DeregisterImageResult {
  const [image] = requireImages(state, region, [required(input.ImageId, 'ImageId')]);
  if (image.ownerId !== state.accountId) throw new AwsApiError('AuthFailure', `Not authorized for image:${image.id}`);
  image.deregistered = true;
  state.scheduler.track(`deregister ${image.id}`, rm(image.root, { recursive: true, force: true }));
  if (!input.DeleteAssociatedSnapshots) return { Return: true };
  return {
    Return: true,
    DeleteSnapshotResults: image.snapshotIds.map((SnapshotId) => {
      const snapshot = state.snapshots.find(region, SnapshotId);
      if (!snapshot) return { SnapshotId, ReturnCode: 'skipped' };
      if (state.images.usingSnapshot(SnapshotId).length > 0) return { SnapshotId, ReturnCode: 'skipped' };
      snapshot.deleted = true;
      return { SnapshotId, ReturnCode: 'success' };
    }),
  };
}
