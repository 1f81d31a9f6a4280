/**
 * What an instance profile's role allows: AWS managed policies by name, or action patterns.
 *
 * Only the policies the sandbox's world needs are known by name; their actions are the ones AWS
 * documents for them (AmazonSSMManagedInstanceCore: the SSM agent's calls, AWS Systems Manager
 * guide "Configure instance permissions for Systems Manager"). Anything containing `:` is taken
 * as an action pattern (`ssm:UpdateInstanceInformation`, `s3:Get*`); an unknown name allows nothing.
 */
import type { InstanceProfileConfig } from '../config/schema';

/** Actions of the managed policies the sandbox knows. */
export const MANAGED_POLICIES: Readonly<Record<string, readonly string[]>> = {
  AmazonSSMManagedInstanceCore: [
    'ssm:DescribeAssociation',
    'ssm:GetDeployablePatchSnapshotForInstance',
    'ssm:GetDocument',
    'ssm:DescribeDocument',
    'ssm:GetManifest',
    'ssm:GetParameter',
    'ssm:GetParameters',
    'ssm:ListAssociations',
    'ssm:ListInstanceAssociations',
    'ssm:PutInventory',
    'ssm:PutComplianceItems',
    'ssm:PutConfigurePackageResult',
    'ssm:UpdateAssociationStatus',
    'ssm:UpdateInstanceAssociationStatus',
    'ssm:UpdateInstanceInformation',
    'ssmmessages:CreateControlChannel',
    'ssmmessages:CreateDataChannel',
    'ssmmessages:OpenControlChannel',
    'ssmmessages:OpenDataChannel',
    'ec2messages:AcknowledgeMessage',
    'ec2messages:DeleteMessage',
    'ec2messages:FailMessage',
    'ec2messages:GetEndpoint',
    'ec2messages:GetMessages',
    'ec2messages:SendReply',
  ],
  AmazonS3ReadOnlyAccess: ['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'],
};

/** The action the SSM agent calls to register; without it, the instance never becomes managed. */
export const SSM_REGISTRATION_ACTION = 'ssm:UpdateInstanceInformation';

function patternMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(action);
}

/** True when the profile's role allows `action` (IAM actions are case-insensitive). */
export function roleAllows(profile: InstanceProfileConfig, action: string): boolean {
  return profile.policies.some((policy) =>
    policy.includes(':') ? patternMatches(policy, action) : (MANAGED_POLICIES[policy] ?? []).some((p) => patternMatches(p, action)),
  );
}
