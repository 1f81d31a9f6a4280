import { ApplicationFailure, CancelledFailure } from '@temporalio/common';

/**
 * AWS error codes that no retry can fix: a missing image, a denied permission, a bad parameter.
 * They fail the activity at once (non-retryable) with a message that says what to check, instead
 * of burning the retry budget while a deploy looks "in progress".
 */
const PERMANENT: Record<string, string> = {
  'InvalidAMIID.NotFound': 'the image does not exist in this region (check baseImage, or bake one)',
  'InvalidAMIID.Malformed': 'the image id is malformed',
  'InvalidAMIID.Unavailable': 'the image is not available',
  'InvalidInstanceID.Malformed': 'the instance id is malformed',
  'InvalidSubnetID.NotFound': 'the subnet does not exist in this region (check regionSettings.<region>.subnetIds)',
  'InvalidGroup.NotFound': 'the security group does not exist (check regionSettings.<region>.securityGroupIds)',
  'InvalidParameterValue': 'a parameter was rejected',
  'InvalidParameterCombination': 'a parameter combination was rejected',
  'InvalidParameter': 'a parameter was rejected',
  'MissingParameter': 'a required parameter is missing',
  UnauthorizedOperation: "the worker's AWS credentials are not allowed to do this (check its IAM policy)",
  AccessDenied: "the worker's AWS credentials are not allowed to do this (check its IAM policy)",
  AccessDeniedException: "the worker's AWS credentials are not allowed to do this (check its IAM policy)",
  AuthFailure: "the worker's AWS credentials were rejected",
  UnrecognizedClientException: "the worker's AWS credentials were rejected",
  OptInRequired: 'the account is not subscribed to this service or region',
  ParameterNotFound: 'the SSM parameter does not exist (check baseImage)',
  InvalidDocument: 'the SSM document does not exist',
  ValidationException: 'the request was rejected as invalid',
  TargetGroupNotFound: 'the target group does not exist (check regionSettings.<region>.targetGroupArn)',
  TargetGroupNotFoundException: 'the target group does not exist (check regionSettings.<region>.targetGroupArn)',
  InvalidTarget: 'the target cannot be registered in this target group',
  InvalidInstanceId: 'the instance is not managed by SSM: its SSM agent has not registered (it needs an instance profile whose role allows SSM, e.g. AmazonSSMManagedInstanceCore)',
  InstanceLimitExceeded: 'the instance quota is reached',
  InsufficientInstanceCapacity: 'AWS has no capacity for this instance type in any subnet of the spec right now (add subnets in other zones, or choose another instanceType)',
  IdempotentParameterMismatch: 'a ClientToken was reused with different parameters',
  NoSuchEntity: 'IAM has no such entity (check iamInstanceProfile)',
  NoSuchEntityException: 'IAM has no such entity (check iamInstanceProfile)',
  LoadBalancerNotFound: 'the load balancer does not exist',
  LoadBalancerNotFoundException: 'the load balancer does not exist',
  'InvalidSnapshot.InUse': 'the snapshot is still used by a registered image',
  InvalidAction: 'the endpoint does not support this operation',
  UnknownOperationException: 'the endpoint does not support this operation',
};

/** The codes AWS services throttle with (EC2, ELBv2/IAM, SSM, and a few others' spellings). */
export const THROTTLING_CODES = ['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestThrottled', 'RequestThrottledException'] as const;

interface AwsLikeError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $retryable?: unknown;
}

/** The AWS error code of an SDK error, or undefined for anything else. */
export function awsErrorCode(error: unknown): string | undefined {
  const e = error as AwsLikeError;
  // A cancelled activity's call ends with Temporal's CancelledFailure, which the SDK's retry
  // middleware stamps with $metadata like an AWS error: it stays a cancellation.
  if (!e || typeof e !== 'object' || !e.$metadata || error instanceof CancelledFailure) return undefined;
  return e.Code ?? e.name;
}

/** True when the error is the given AWS code (e.g. `InvalidInstanceID.NotFound`). */
export function isAwsError(error: unknown, ...codes: string[]): boolean {
  const code = awsErrorCode(error);
  return code !== undefined && codes.includes(code);
}

/**
 * Maps an AWS SDK error to a Temporal failure: permanent codes are non-retryable and carry a
 * hint; throttling and 5xx stay retryable. The failure type is the AWS code, so retry policies
 * and tests can match on it.
 */
export function toActivityFailure(error: unknown, action: string): unknown {
  const code = awsErrorCode(error);
  if (!code) return error;
  const e = error as AwsLikeError;
  const hint = PERMANENT[code];
  const status = e.$metadata?.httpStatusCode;
  const message = `${action} failed: ${code}: ${e.message ?? ''}${hint ? ` (${hint})` : ''}`;
  return ApplicationFailure.create({
    type: code,
    message,
    nonRetryable: hint !== undefined,
    details: [{ code, action, httpStatusCode: status, requestId: e.$metadata?.requestId }],
  });
}

/** Runs one AWS call, turning its error into a classified activity failure. */
export async function awsCall<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toActivityFailure(error, action);
  }
}

/** True when an error is, or was classified from, one of these AWS codes. */
export function hasAwsCode(error: unknown, ...codes: string[]): boolean {
  if (error instanceof ApplicationFailure) return codes.includes(error.type ?? '');
  return isAwsError(error, ...codes);
}
