/**
 * IAM, as far as a deploy preflight reads it: `GetInstanceProfile` (does the profile exist, which
 * role) and `SimulatePrincipalPolicy` (does that role allow an action, e.g. the SSM agent's
 * `ssm:UpdateInstanceInformation`). Profiles and what their roles allow come from the config.
 */
import type { GetInstanceProfileRequest, GetInstanceProfileResponse, SimulatePrincipalPolicyRequest, SimulatePolicyResponse } from '@aws-sdk/client-iam';
import type { InstanceProfileConfig } from '../config/schema';
import { AwsApiError, required } from '../protocol/errors';
import type { OperationContext } from '../protocol/handler';
import type { SandboxState } from '../state/sandbox-state';
import { roleAllows } from './policies';

const CREATED = new Date('2026-11-01T00:00:00.000Z');

/** IAM's 404 for anything it does not have. */
function noSuchEntity(message: string): AwsApiError {
  return new AwsApiError('NoSuchEntity', message, 404);
}

function roleArn(state: SandboxState, profile: InstanceProfileConfig): string {
  return `arn:aws:iam::${state.accountId}:role/${profile.roleName}`;
}

/** A stable, AWS-looking unique id (`AIPA…` for profiles, `AROA…` for roles). */
function uniqueId(prefix: string, name: string): string {
  let hash = 0;
  for (const c of name) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return `${prefix}${hash.toString(16).toUpperCase().padStart(8, '0')}EXAMPLE${name.length.toString().padStart(2, '0')}`.slice(0, 21);
}

export function getInstanceProfile({ state }: OperationContext, input: GetInstanceProfileRequest): GetInstanceProfileResponse {
  const name = required(input.InstanceProfileName, 'InstanceProfileName', 'ValidationError');
  const profile = state.instanceProfile(name);
  if (!profile) throw noSuchEntity(`Instance Profile ${name} cannot be found.`);
  return {
    InstanceProfile: {
      Path: '/',
      InstanceProfileName: profile.name,
      InstanceProfileId: uniqueId('AIPA', profile.name),
      Arn: `arn:aws:iam::${state.accountId}:instance-profile/${profile.name}`,
      CreateDate: CREATED,
      Roles: [
        {
          Path: '/',
          RoleName: profile.roleName,
          RoleId: uniqueId('AROA', profile.roleName),
          Arn: roleArn(state, profile),
          CreateDate: CREATED,
          AssumeRolePolicyDocument: encodeURIComponent(
            JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
          ),
        },
      ],
    },
  };
}

/** Evaluates the role's policies for each action: `allowed`, or `implicitDeny` when nothing allows it. */
export function simulatePrincipalPolicy({ state }: OperationContext, input: SimulatePrincipalPolicyRequest): SimulatePolicyResponse {
  const source = required(input.PolicySourceArn, 'PolicySourceArn', 'ValidationError');
  const actions = required(input.ActionNames, 'ActionNames', 'ValidationError');
  const profile = state.config.instanceProfiles.find((p) => roleArn(state, p) === source);
  if (!profile) throw new AwsApiError('NoSuchEntity', `The role with ARN ${source} cannot be found.`, 404);
  return {
    EvaluationResults: actions.map((action) => ({
      EvalActionName: action,
      EvalResourceName: '*',
      EvalDecision: roleAllows(profile, action) ? 'allowed' : 'implicitDeny',
      MatchedStatements: [],
      MissingContextValues: [],
    })),
    IsTruncated: false,
  };
}
