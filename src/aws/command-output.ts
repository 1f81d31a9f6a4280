/**
 * The whole output of SSM commands, kept in S3. `GetCommandInvocation` returns only the first
 * 24,000 characters of stdout and 8,000 of stderr; with `OutputS3BucketName`/`OutputS3KeyPrefix`
 * the agent writes each stream whole to
 * `<prefix>/<command id>/<instance id>/awsrunShellScript/0.awsrunShellScript/{stdout,stderr}`
 * (SSM API reference, SendCommand and GetCommandInvocation). The worker reads a tail from there
 * for its failure reports; `hybrid-deploy logs` reads it all.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CommandOutputLocation } from '../contracts';
import { isAwsError } from './errors';

/** What `GetCommandInvocation` keeps of each stream. */
export const API_OUTPUT_LIMITS = { stdout: 24_000, stderr: 8_000 } as const;

/** The plugin folder the agent writes `AWS-RunShellScript`'s one step into. */
const PLUGIN_PATH = 'awsrunShellScript/0.awsrunShellScript';

/** The key prefix of one invocation's output (ends with `/`). */
export function invocationOutputPrefix(location: CommandOutputLocation, commandId: string, instanceId: string): string {
  const prefix = location.s3KeyPrefix.replace(/\/+$/, '');
  return `${prefix ? `${prefix}/` : ''}${commandId}/${instanceId}/${PLUGIN_PATH}/`;
}

/** One stored stream, read back from its key below a run's prefix: `<step>/<command>/<instance>/awsrunShellScript/0.awsrunShellScript/<stream>`. */
export interface StoredOutput {
  step: string;
  commandId: string;
  instanceId: string;
  stream: 'stdout' | 'stderr';
}

/** Reads a key relative to a run's prefix; undefined for anything that is not a stored stream. */
export function parseOutputKey(relativeKey: string): StoredOutput | undefined {
  const match = /^([^/]+)\/([^/]+)\/([^/]+)\/awsrunShellScript\/0\.awsrunShellScript\/(stdout|stderr)$/.exec(relativeKey);
  return match ? { step: match[1], commandId: match[2], instanceId: match[3], stream: match[4] as 'stdout' | 'stderr' } : undefined;
}

/**
 * The last `bytes` of a stored stream (a byte range, not the whole object), or undefined when the
 * agent wrote none (an empty stream, or the upload failed).
 */
export async function readOutputTail(s3: S3Client, bucket: string, key: string, bytes: number, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=-${bytes}` }), { abortSignal: signal });
    const text = (await object.Body?.transformToString('utf8')) ?? '';
    // A cut may fall inside a multi-byte character: drop its remains.
    return text.replace(/^[\uFFFD]+/, '');
  } catch (error) {
    if (isAwsError(error, 'NoSuchKey', 'NotFound', 'InvalidRange')) return undefined;
    throw error;
  }
}
