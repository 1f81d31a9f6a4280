import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { redactUrl } from '../contracts/redact';
import { MAX_CHECKSUM_FILE_BYTES, readInputFile } from './input-file';

/** Presigned URLs with a session token run to a few KiB; nothing legitimate comes near this. */
export const MAX_ARTIFACT_URL_LENGTH = 8 * 1024;
const S3_URL = /^s3:\/\/[a-z0-9][a-z0-9.-]{0,62}\/[^\s]+$/;
const EXAMPLES = 's3://bucket/key, https://host/path or file:///abs/path';

/**
 * Why an artifact URL is refused, or undefined when it is fine. Messages show the URL redacted
 * (it may carry a secret) and say what to use instead. Accepted: `s3://bucket/key` (fetched with
 * the instance role), `https://` and `http://` (a presigned URL's query travels encrypted and is
 * redacted wherever it is printed), `file:///abs/path` (a path on the instance, percent-decoded).
 */
export function artifactUrlProblem(url: string): string | undefined {
  const shown = JSON.stringify(redactUrl(url));
  if (url.length > MAX_ARTIFACT_URL_LENGTH) return `is ${url.length} characters long; at most ${MAX_ARTIFACT_URL_LENGTH} are accepted`;
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return `${shown} holds whitespace or control characters (percent-encode them, e.g. %20)`;
  if (url.startsWith('s3://')) return S3_URL.test(url) ? undefined : `${shown} is not an S3 URL (s3://bucket/key)`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${shown} is not an artifact URL (${EXAMPLES})`;
  }
  if (parsed.username || parsed.password) {
    return (
      `${shown} embeds credentials (user:password@), which would be stored in workflow history and printed: ` +
      'use an s3:// URL (fetched with the instance role) or a presigned https:// URL (encrypted in history, redacted in output)'
    );
  }
  if (parsed.protocol === 'file:') return fileUrlProblem(url, parsed, shown);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return `${shown} is not an artifact URL (${EXAMPLES})`;
  if (!parsed.hostname) return `${shown} names no host`;
  return undefined;
}

function fileUrlProblem(url: string, parsed: URL, shown: string): string | undefined {
  if (!url.startsWith('file:///') || parsed.host) return `${shown} is not a local file URL: write file:///abs/path (no host)`;
  let path: string;
  try {
    path = fileURLToPath(parsed);
  } catch (error) {
    return `${shown} is not a file path: ${(error as Error).message}`;
  }
  if (path.includes('\0')) return `${shown} decodes to a path holding a NUL byte`;
  return undefined;
}

/** The path on the instance a valid `file://` artifact URL names (percent-decoded: `%20` is a space). */
export function artifactFilePath(url: string): string {
  return fileURLToPath(url);
}

/** `file:///…/app.tar.gz` → `/…/app.tar.gz.sha256` when the build wrote one beside it. */
export function sidecarChecksumFile(artifactUrl: string): string | undefined {
  if (!artifactUrl.startsWith('file:///')) return undefined;
  let file: string;
  try {
    file = `${fileURLToPath(artifactUrl)}.sha256`;
  } catch {
    return undefined;
  }
  return existsSync(file) ? file : undefined;
}

/**
 * The sha256 a sidecar file holds: its first word, so both a bare digest and `sha256sum`'s
 * `<digest>  <file>` line work. Bounded like every input file; throws InvalidInputError.
 */
export function readSidecarChecksum(file: string): string {
  return readInputFile(file, MAX_CHECKSUM_FILE_BYTES).trim().split(/\s+/)[0] ?? '';
}
