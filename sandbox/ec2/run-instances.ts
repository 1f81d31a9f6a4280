/** RunInstances: launch instances from an image, idempotent by ClientToken. */
import type { Reservation, RunInstancesRequest } from '@aws-sdk/client-ec2';
import { AwsApiError, required } from '../protocol/errors';
import type { OperationContext } from '../protocol/handler';
import { newResourceId } from '../state/ids';
import type { InstanceRecord } from '../state/instances';
import { TagSet } from '../state/tags';
import { beginLaunch } from './instance-lifecycle';
import { requireImages } from './lookup';
import { renderInstance } from './render';
import { tagsFromSpecifications } from './filters';

/** Launches `MaxCount` instances (the sandbox has capacity up to `maxInstances` live ones). */
export function runInstances({ state, region }: OperationContext, input: RunInstancesRequest): Reservation {
  const imageId = required(input.ImageId, 'ImageId');
  const minCount = required(input.MinCount, 'MinCount');
  const maxCount = required(input.MaxCount, 'MaxCount');
  if (minCount < 1 || maxCount < minCount) {
    throw new AwsApiError('InvalidParameterValue', `Invalid value '${maxCount}' for maxCount: must be at least minCount (${minCount})`);
  }
  const fingerprint = JSON.stringify([imageId, minCount, maxCount, input.InstanceType ?? null, input.SubnetId ?? null]);
  if (input.ClientToken) {
    const earlier = state.instances.reservationForToken(region, input.ClientToken);
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) {
        throw new AwsApiError('IdempotentParameterMismatch', 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).');
      }
      return reservationOf(state.accountId, earlier.reservationId, earlier.instanceIds.map((id) => state.instances.get(id) as InstanceRecord));
    }
  }
  const [image] = requireImages(state, region, [imageId]);
  if (image.state !== 'available') {
    throw new AwsApiError('InvalidAMIID.Unavailable', `The image id '[${imageId}]' is not available (state: ${image.state})`);
  }
  const regionConfig = state.region(region);
  if (!regionConfig) throw new AwsApiError('InternalError', `region ${region} is not configured`, 500);
  const subnet = input.SubnetId ? regionConfig.subnets.find((s) => s.id === input.SubnetId) : regionConfig.subnets[0];
  if (!subnet) throw new AwsApiError('InvalidSubnetID.NotFound', `The subnet ID '${input.SubnetId}' does not exist`);
  const groups = (input.SecurityGroupIds ?? []).map((id) => {
    const group = regionConfig.securityGroups.find((g) => g.id === id);
    if (!group) throw new AwsApiError('InvalidGroup.NotFound', `The security group '${id}' does not exist in VPC '${regionConfig.vpcId}'`);
    return group;
  });
  if (state.instances.countLive() + maxCount > state.config.maxInstances) {
    const room = state.config.maxInstances - state.instances.countLive();
    if (room < minCount) {
      throw new AwsApiError('InstanceLimitExceeded', `You have requested more instances (${maxCount}) than your current instance limit of ${state.config.maxInstances} allows.`);
    }
  }
  const count = Math.min(maxCount, state.config.maxInstances - state.instances.countLive());
  const reservationId = newResourceId('r');
  const tags = tagsFromSpecifications(input.TagSpecifications, 'instance');
  const profile = input.IamInstanceProfile;
  const profileArn = profile?.Arn ?? (profile?.Name ? `arn:aws:iam::${state.accountId}:instance-profile/${profile.Name}` : undefined);
  const launched: InstanceRecord[] = [];
  for (let index = 0; index < count; index++) {
    const id = newResourceId('i');
    const instance: InstanceRecord = {
      id,
      region,
      reservationId,
      imageId,
      instanceType: input.InstanceType ?? 'm1.small',
      launchIndex: index,
      subnetId: subnet.id,
      vpcId: regionConfig.vpcId,
      availabilityZone: subnet.availabilityZone,
      securityGroups: groups.length ? groups : regionConfig.securityGroups.slice(0, 1),
      privateIp: state.ips.allocate(),
      root: state.instanceRoot(id),
      clientToken: input.ClientToken,
      iamInstanceProfileArn: profileArn,
      userData: input.UserData,
      tags: new TagSet(tags),
      state: 'pending',
      stateTransitionReason: '',
      launchTime: new Date(),
      generation: 0,
      agent: 'not-registered',
      // An armed agent fault (control endpoint) keeps this one offline until set online by hand.
      agentForcedOffline: state.faults.takeAgentFailure(),
      failHealthChecks: false,
      statusOk: false,
      bootCount: 0,
    };
    state.instances.add(instance);
    beginLaunch(state, instance, image.root);
    launched.push(instance);
  }
  if (input.ClientToken) {
    state.instances.rememberToken(region, input.ClientToken, { reservationId, instanceIds: launched.map((i) => i.id), fingerprint });
  }
  return reservationOf(state.accountId, reservationId, launched);
}

/** A reservation in RunInstances/DescribeInstances shape. */
export function reservationOf(accountId: string, reservationId: string, instances: InstanceRecord[]): Reservation {
  return {
    ReservationId: reservationId,
    OwnerId: accountId,
    Groups: [],
    Instances: instances.map(renderInstance),
  };
}
