/** Identifier helpers: AWS-looking random ids and the formats AWS validates. */
import { randomBytes, randomUUID } from 'node:crypto';

/** A new id such as `i-0123456789abcdef0` (17 hex digits, as AWS's long ids). */
export function newResourceId(prefix: 'i' | 'ami' | 'r' | 'snap' | 'lt', hexDigits = 17): string {
  return `${prefix}-${randomBytes(Math.ceil(hexDigits / 2)).toString('hex').slice(0, hexDigits)}`;
}

/** A request id for `RequestID`/`RequestId`/`x-amzn-RequestId`. */
export function newRequestId(): string {
  return randomUUID();
}

/** SSM command ids are UUIDs. */
export function newCommandId(): string {
  return randomUUID();
}

/** `i-` + 8 or 17 hex digits: anything else is `InvalidInstanceID.Malformed`. */
export const INSTANCE_ID_PATTERN = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** `ami-` + 8 or 17 hex digits: anything else is `InvalidAMIID.Malformed`. */
export const IMAGE_ID_PATTERN = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** `snap-` + 8 or 17 hex digits: anything else is `InvalidSnapshotID.Malformed`. */
export const SNAPSHOT_ID_PATTERN = /^snap-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** `subnet-` + 8 or 17 hex digits. */
export const SUBNET_ID_PATTERN = /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** `sg-` + 8 or 17 hex digits. */
export const SECURITY_GROUP_ID_PATTERN = /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/;
