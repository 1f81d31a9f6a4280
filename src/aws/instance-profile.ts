import { GetInstanceProfileCommand, SimulatePrincipalPolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import { awsCall, hasAwsCode } from './errors';

/**
 * The calls the SSM agent makes to register and take commands; its role must allow them (AWS's
 * managed policy AmazonSSMManagedInstanceCore does), or the instance never becomes managed and
 * every command to it is refused (AWS Systems Manager guide, "Configure instance permissions").
 */
export const SSM_AGENT_ACTIONS = ['ssm:UpdateInstanceInformation', 'ssmmessages:CreateControlChannel', 'ec2messages:GetMessages'] as const;

/** The fix to print wherever SSM cannot work for want of permissions. */
export const SSM_PROFILE_FIX =
  'set iamInstanceProfile in the spec to an instance profile whose role allows SSM (attach the AWS managed policy AmazonSSMManagedInstanceCore to its role)';

/** What IAM says about a profile: fine, a problem (with the fix), or nothing (the worker may not read IAM). */
export interface InstanceProfileCheck {
  ok: boolean;
  /** Why SSM cannot work with this profile, and what to do. */
  problem?: string;
  /** Why it could not be checked (e.g. no iam:GetInstanceProfile permission); not a failure. */
  unchecked?: string;
}

/**
 * Checks that an instance profile exists and that its role allows the SSM agent's calls
 * (`iam:GetInstanceProfile`, then `iam:SimulatePrincipalPolicy`). Read-only. When the worker's
 * own credentials may not read IAM, says so instead of guessing.
 */
export async function checkInstanceProfile(iam: IAMClient, name: string | undefined): Promise<InstanceProfileCheck> {
  if (!name) return { ok: false, problem: `no instance profile is set, so the SSM agent of new instances cannot register: ${SSM_PROFILE_FIX}` };
  let roleArn: string | undefined;
  try {
    const { InstanceProfile } = await awsCall(`iam:GetInstanceProfile ${name}`, () => iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name })));
    roleArn = InstanceProfile?.Roles?.[0]?.Arn;
  } catch (error) {
    if (hasAwsCode(error, 'NoSuchEntity', 'NoSuchEntityException')) return { ok: false, problem: `instance profile ${JSON.stringify(name)} does not exist: create it, or ${SSM_PROFILE_FIX}` };
    if (hasAwsCode(error, 'AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation')) return { ok: true, unchecked: `cannot read IAM to check instance profile ${name} (iam:GetInstanceProfile denied)` };
    throw error;
  }
  if (!roleArn) return { ok: false, problem: `instance profile ${JSON.stringify(name)} has no role, so the SSM agent cannot register: add a role that allows SSM (AmazonSSMManagedInstanceCore)` };
  try {
    const { EvaluationResults } = await awsCall(`iam:SimulatePrincipalPolicy ${roleArn}`, () =>
      iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: roleArn, ActionNames: [...SSM_AGENT_ACTIONS] })),
    );
    const denied = (EvaluationResults ?? []).filter((r) => r.EvalDecision !== 'allowed').map((r) => r.EvalActionName);
    if (denied.length === 0) return { ok: true };
    return {
      ok: false,
      problem: `the role of instance profile ${JSON.stringify(name)} (${roleArn}) does not allow ${denied.join(', ')}, so the SSM agent cannot register: attach the AWS managed policy AmazonSSMManagedInstanceCore to it`,
    };
  } catch (error) {
    if (hasAwsCode(error, 'AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation')) return { ok: true, unchecked: `cannot simulate the policies of ${roleArn} (iam:SimulatePrincipalPolicy denied)` };
    throw error;
  }
}
