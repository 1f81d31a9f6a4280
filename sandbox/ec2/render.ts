/** State records → the SDK's output shapes (`Instance`, `Image`). */
import type { _InstanceType, Image, Instance, InstanceState } from '@aws-sdk/client-ec2';
import { INSTANCE_STATE_CODES, type InstanceRecord } from '../state/instances';
import type { ImageRecord } from '../state/images';

export function instanceState(instance: InstanceRecord): InstanceState {
  return { Code: INSTANCE_STATE_CODES[instance.state], Name: instance.state };
}

/** An instance as DescribeInstances/RunInstances return it. Tags are omitted when empty, as AWS does. */
export function renderInstance(instance: InstanceRecord): Instance {
  const tags = instance.tags.toList();
  const dns = `ip-${instance.privateIp.replace(/\./g, '-')}.${instance.region === 'us-east-1' ? 'ec2.internal' : `${instance.region}.compute.internal`}`;
  const live = instance.state !== 'terminated';
  return {
    InstanceId: instance.id,
    ImageId: instance.imageId,
    State: instanceState(instance),
    PrivateDnsName: live ? dns : '',
    PublicDnsName: '',
    StateTransitionReason: instance.stateTransitionReason,
    AmiLaunchIndex: instance.launchIndex,
    InstanceType: instance.instanceType as _InstanceType,
    LaunchTime: instance.launchTime,
    Placement: { AvailabilityZone: instance.availabilityZone, GroupName: '', Tenancy: 'default' },
    Monitoring: { State: 'disabled' },
    SubnetId: live ? instance.subnetId : undefined,
    VpcId: live ? instance.vpcId : undefined,
    PrivateIpAddress: live ? instance.privateIp : undefined,
    Architecture: 'x86_64',
    RootDeviceType: 'ebs',
    RootDeviceName: '/dev/xvda',
    BlockDeviceMappings: [],
    ClientToken: instance.clientToken ?? '',
    EbsOptimized: false,
    EnaSupport: true,
    Hypervisor: 'xen',
    IamInstanceProfile: instance.iamInstanceProfileArn
      ? { Arn: instance.iamInstanceProfileArn, Id: `AIPA${instance.id.slice(2, 19).toUpperCase()}` }
      : undefined,
    SecurityGroups: live ? instance.securityGroups.map((g) => ({ GroupId: g.id, GroupName: g.name })) : [],
    SourceDestCheck: true,
    StateReason: instance.stateReason ? { Code: instance.stateReason.code, Message: instance.stateReason.message } : undefined,
    Tags: tags.length ? tags : undefined,
    VirtualizationType: 'hvm',
    PlatformDetails: 'Linux/UNIX',
    UsageOperation: 'RunInstances',
  };
}

/** An image as DescribeImages returns it. `CreationDate` is an ISO string in the EC2 model. */
export function renderImage(image: ImageRecord): Image {
  const tags = image.tags.toList();
  return {
    ImageId: image.id,
    ImageLocation: `${image.ownerAlias ?? image.ownerId}/${image.name}`,
    State: image.state,
    OwnerId: image.ownerId,
    ImageOwnerAlias: image.ownerAlias,
    CreationDate: image.creationDate.toISOString(),
    Public: image.public,
    Architecture: 'x86_64',
    ImageType: 'machine',
    Name: image.name,
    Description: image.description,
    RootDeviceType: 'ebs',
    RootDeviceName: '/dev/xvda',
    BlockDeviceMappings: [
      {
        DeviceName: '/dev/xvda',
        Ebs: {
          SnapshotId: image.snapshotIds[0],
          VolumeSize: 8,
          VolumeType: 'gp3',
          DeleteOnTermination: true,
          Encrypted: false,
        },
      },
    ],
    VirtualizationType: 'hvm',
    Hypervisor: 'xen',
    EnaSupport: true,
    PlatformDetails: 'Linux/UNIX',
    UsageOperation: 'RunInstances',
    SourceInstanceId: image.sourceInstanceId,
    SourceImageId: image.sourceImageId,
    SourceImageRegion: image.sourceRegion,
    StateReason: image.stateReason ? { Code: image.stateReason.code, Message: image.stateReason.message } : undefined,
    Tags: tags.length ? tags : undefined,
  };
}
