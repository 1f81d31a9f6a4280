/** RunInstances: launch instances from an image, idempotent by ClientToken. */
import type { Reservation, RunInstancesRequest } from '@aws-sdk/client-ec2';
import { randomLag } from '../config/realism';
import type { InstanceProfileConfig } from '../config/schema';
import { roleAllows, SSM_REGISTRATION_ACTION } from '../iam/policies';
import { AwsApiError, required } from '../protocol/errors';
import type { OperationContext } from '../protocol/handler';
import type { SandboxState } from '../state/sandbox-state';
import { newResourceId } from '../state/ids';
import type { InstanceRecord } from '../state/instances';
import { TagSet } from '../state/tags';
import { beginLaunch } from './instance-lifecycle';
import { requireImages } from './lookup';
import { renderInstance } from './render';
import { tagsFromSpecifications } from './filters';

/** JSON with sorted keys, so two requests with the same parameters compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Every parameter but the token: reusing a token with ANY other change is a mismatch
 * (EC2 API guide, "Ensuring idempotency": "…change one or more of the API parameters, the
 * IdempotentParameterMismatch error is returned").
 */
export function requestFingerprint(input: object): string {
  const { ClientToken: _token, ...rest } = input as Record<string, unknown>;
  return canonical(rest);
}

/**
 * The instance profile named in the request, as IAM knows it. An unknown one is rejected the way
 * AWS rejects it: `InvalidParameterValue` naming the parameter.
 */
function instanceProfileOf(state: SandboxState, input: RunInstancesRequest): InstanceProfileConfig | undefined {
  const given = input.IamInstanceProfile;
  if (!given?.Arn && !given?.Name) return undefined;
  const name = given.Name ?? given.Arn?.split('/').pop() ?? '';
  const profile = state.instanceProfile(name);
  if (!profile) {
    const parameter = given.Name ? 'iamInstanceProfile.name' : 'iamInstanceProfile.arn';
    throw new AwsApiError('InvalidParameterValue', `Value (${given.Name ?? given.Arn}) for parameter ${parameter} is invalid. Invalid IAM Instance Profile ${given.Name ? 'name' : 'ARN'}`);
  }
  return profile;
}

/** Launches `MaxCount` instances (the sandbox has capacity up to `maxInstances` live ones). */
export function runInstances({ state, region }: OperationContext, input: RunInstancesRequest): Reservation {
  const imageId = required(input.ImageId, 'ImageId');
  const minCount = required(input.MinCount, 'MinCount');
  const maxCount = required(input.MaxCount, 'MaxCount');
  if (minCount < 1 || maxCount < minCount) {
    throw new AwsApiError('InvalidParameterValue', `Invalid value '${maxCount}' for maxCount: must be at least minCount (${minCount})`);
  }
  const fingerprint = requestFingerprint(input);
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
  const profile = instanceProfileOf(state, input);
  const instanceType = input.InstanceType ?? 'm1.small';
  if (state.faults.capacityShortage(subnet.availabilityZone, instanceType)) {
    const others = regionConfig.subnets.map((s) => s.availabilityZone).filter((zone) => zone !== subnet.availabilityZone && !state.faults.capacityShortage(zone, instanceType));
    // AWS's wording (a server error, HTTP 500), naming zones that still have capacity.
    throw new AwsApiError(
      'InsufficientInstanceCapacity',
      `We currently do not have sufficient ${instanceType} capacity in the Availability Zone you requested (${subnet.availabilityZone}). ` +
        `Our system will be working on provisioning additional capacity. You can currently get ${instanceType} capacity by not specifying an Availability Zone in your request` +
        `${others.length ? ` or choosing ${[...new Set(others)].join(', ')}` : ''}.`,
      500,
    );
  }
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
  const profileArn = profile ? `arn:aws:iam::${state.accountId}:instance-profile/${profile.name}` : undefined;
  const ssmAllowed = profile !== undefined && roleAllows(profile, SSM_REGISTRATION_ACTION);
  const launched: InstanceRecord[] = [];
  const now = Date.now();
  for (let index = 0; index < count; index++) {
    const id = newResourceId('i');
    const instance: InstanceRecord = {
      id,
      region,
      reservationId,
      imageId,
      instanceType,
      launchIndex: index,
      subnetId: subnet.id,
      vpcId: regionConfig.vpcId,
      availabilityZone: subnet.availabilityZone,
      securityGroups: groups.length ? groups : regionConfig.securityGroups.slice(0, 1),
      privateIp: state.ips.allocate(),
      root: state.instanceRoot(id),
      clientToken: input.ClientToken,
      iamInstanceProfileArn: profileArn,
      ssmAllowed,
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
      visibleAt: now + randomLag(state.realism.visibilityLagMs),
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
