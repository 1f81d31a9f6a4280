import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { heartbeat } from '../aws/heartbeat';
import type { ArtifactRef } from '../contracts';

/** The worker gives up reading an artifact to digest it after this long: the bake then runs as if no key were known. */
const READ_TIMEOUT_MS = 10 * 60_000;

/** An artifact's sha256, or why the worker could not learn it. */
export type ArtifactDigest = { sha256: string } | { unknown: string };

/**
 * The sha256 of the artifact a release is made of, for the bake key: the one given with the
 * release (`--sha256`), else the `<url>.sha256` published beside it, else the worker reads the
 * artifact itself (`file://` on this machine, `http(s)://`), streaming, heartbeating. An
 * `s3://` artifact without a given sha256 is not read by the worker (it may hold no right to
 * the bucket): the answer is "unknown", and the bake runs as it always did.
 */
export async function artifactDigest(artifact: ArtifactRef): Promise<ArtifactDigest> {
  if (artifact.sha256) return { sha256: artifact.sha256 };
  const url = artifact.url;
  try {
    if (artifact.sha256Sidecar) return { sha256: firstWord(await readText(sidecarOf(url))) };
    if (url.startsWith('file://') || url.startsWith('http://') || url.startsWith('https://')) return { sha256: await sha256Of(url) };
  } catch (error) {
    return { unknown: `the worker cannot read the artifact to digest it (${(error as Error).message}): give its sha256 (--sha256) to let bakes be reused` };
  }
  return { unknown: 'the artifact has no sha256 given (--sha256) and the worker does not read s3:// artifacts: give one to let bakes be reused' };
}

function sidecarOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? `${url}.sha256` : `${url.slice(0, query)}.sha256${url.slice(query)}`;
}

function firstWord(text: string): string {
  const word = text.trim().split(/\s+/)[0] ?? '';
  if (!/^[0-9a-f]{64}$/.test(word)) throw new Error('the published .sha256 holds no sha256');
  return word;
}

async function readText(url: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of open(url)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8').slice(0, 1_024);
}

async function sha256Of(url: string): Promise<string> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of open(url)) {
    hash.update(chunk as Uint8Array);
    bytes += (chunk as Uint8Array).length;
    heartbeat({ digesting: bytes });
  }
  return hash.digest('hex');
}

/** The artifact's bytes as a stream; errors never carry the URL (it may be presigned). */
async function* open(url: string): AsyncGenerator<Uint8Array> {
  if (url.startsWith('file://')) {
    yield* createReadStream(fileURLToPath(url));
    return;
  }
  const response = await fetch(url, { signal: AbortSignal.any([AbortSignal.timeout(READ_TIMEOUT_MS), Context.current().cancellationSignal]) });
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
  yield* response.body;
}
