/**
 * A minimal S3 over its REST protocol, path-style (`http://127.0.0.1:PORT/<bucket>/<key>`), for
 * the unmodified `@aws-sdk/client-s3` (which goes path-style by itself for an IP endpoint) and the
 * instances' `aws s3 cp`: PutObject, GetObject (with `Range`), HeadObject, ListObjectsV2,
 * HeadBucket and ListBuckets, on the buckets the config declares. Anything else answers S3's
 * `NotImplemented`, never a fake success. Requests are S3's when their SigV4 credential scope
 * names `s3` (signatures are not checked). Operation pages: S3 API reference, PutObject,
 * GetObject, HeadObject, ListObjectsV2, HeadBucket, ListBuckets; errors: "Error responses".
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxState } from '../state/sandbox-state';
import { AwsApiError } from '../protocol/errors';
import { decodeAwsChunked, isAwsChunked } from './aws-chunked';
import { errorXml, listBucketsXml, listObjectsV2Xml } from './xml';

/** The largest object the sandbox takes in one PUT (AWS: 5 GiB; a sandbox needs far less). */
const MAX_OBJECT_BYTES = 256 * 1024 * 1024;
const SCOPE = /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/s3\/aws4_request/;

/** Whether a request is S3's: signed (header or presigned query) for the `s3` service. */
export function isS3Request(req: IncomingMessage, url: URL): boolean {
  return SCOPE.test(req.headers.authorization ?? '') || SCOPE.test(`Credential=${url.searchParams.get('X-Amz-Credential') ?? ''}`);
}

/** A reply: status, headers, body. */
interface S3Reply {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** Handles one S3 request; never throws (every failure is S3's error document). */
export async function handleS3(state: SandboxState, req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> {
  let reply: S3Reply;
  try {
    reply = await route(state, req, url);
  } catch (error) {
    if (!(error instanceof AwsApiError)) state.logger.error({ err: error, requestId }, 'unexpected error handling an S3 request');
    const e = error instanceof AwsApiError ? error : new AwsApiError('InternalError', 'We encountered an internal error. Please try again.', 500);
    reply = { status: e.status, headers: { 'content-type': 'application/xml' }, body: req.method === 'HEAD' ? '' : errorXml(e.code, e.message, requestId) };
  }
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : (reply.body ?? Buffer.alloc(0));
  res.writeHead(reply.status, { 'x-amz-request-id': requestId, ...reply.headers, 'content-length': reply.headers?.['content-length'] ?? String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

async function route(state: SandboxState, req: IncomingMessage, url: URL): Promise<S3Reply> {
  const [bucket, ...rest] = url.pathname.replace(/^\//, '').split('/');
  const key = rest.length > 0 ? decodeURIComponent(rest.join('/')) : '';
  const method = req.method ?? 'GET';
  // A sub-resource (`?acl`, `?tagging`, `?uploads`…) is another operation the sandbox does not have.
  // `X-Amz-…` and `x-amz-…` parameters are a presigned URL's signature and hoisted headers (the SDK's
  // presigner adds `x-amz-checksum-mode`), not sub-resources.
  const subresource = [...url.searchParams.keys()].find((name) => !['list-type', 'prefix', 'delimiter', 'max-keys', 'continuation-token', 'start-after', 'encoding-type', 'x-id'].includes(name) && !name.toLowerCase().startsWith('x-amz-'));
  const operation = operationOf(method, bucket, key, url, req);
  state.faults.onCall('s3', operation, 'us-east-1');
  if (subresource || operation === 'Unsupported') throw notImplemented(`${method} ${subresource ? `?${subresource}` : url.pathname}`);
  if (operation === 'ListBuckets') return xml(200, listBucketsXml(state.objects.bucketNames(), state.accountId));
  if (!state.objects.hasBucket(bucket)) throw new AwsApiError('NoSuchBucket', 'The specified bucket does not exist', 404);
  switch (operation) {
    case 'HeadBucket':
      return { status: 200 };
    case 'ListObjectsV2':
      return xml(200, listObjectsV2(state, bucket, url));
    case 'PutObject':
      return putObject(state, req, bucket, key);
    default:
      return getObject(state, req, bucket, key, operation === 'HeadObject');
  }
}

type Operation = 'ListBuckets' | 'HeadBucket' | 'ListObjectsV2' | 'PutObject' | 'GetObject' | 'HeadObject' | 'Unsupported';

function operationOf(method: string, bucket: string, key: string, url: URL, req: IncomingMessage): Operation {
  if (!bucket) return method === 'GET' ? 'ListBuckets' : 'Unsupported';
  if (!key) {
    if (method === 'HEAD') return 'HeadBucket';
    return method === 'GET' && url.searchParams.get('list-type') === '2' ? 'ListObjectsV2' : 'Unsupported';
  }
  if (method === 'PUT') return req.headers['x-amz-copy-source'] ? 'Unsupported' : 'PutObject';
  if (method === 'GET') return 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  return 'Unsupported';
}

function notImplemented(what: string): AwsApiError {
  return new AwsApiError('NotImplemented', `The hybrid-deploy sandbox's S3 does not implement ${what} (only PutObject, GetObject, HeadObject, ListObjectsV2, HeadBucket, ListBuckets)`, 501);
}

function xml(status: number, body: string): S3Reply {
  return { status, headers: { 'content-type': 'application/xml' }, body };
}

async function readBinaryBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_OBJECT_BYTES + 64 * 1024) throw new AwsApiError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function putObject(state: SandboxState, req: IncomingMessage, bucket: string, key: string): Promise<S3Reply> {
  if (Buffer.byteLength(key) > 1024) throw new AwsApiError('KeyTooLongError', 'Your key is too long', 400);
  const raw = await readBinaryBody(req);
  let body: Buffer;
  try {
    body = isAwsChunked(req.headers) ? decodeAwsChunked(raw) : raw;
  } catch (error) {
    throw new AwsApiError('IncompleteBody', (error as Error).message, 400);
  }
  if (body.length > MAX_OBJECT_BYTES) throw new AwsApiError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400);
  const stored = await state.objects.put(bucket, key, body, String(req.headers['content-type'] ?? 'binary/octet-stream'));
  return { status: 200, headers: { etag: stored.etag } };
}

async function getObject(state: SandboxState, req: IncomingMessage, bucket: string, key: string, headOnly: boolean): Promise<S3Reply> {
  const read = headOnly ? undefined : await state.objects.read(bucket, key);
  const found = headOnly ? state.objects.head(bucket, key) : read?.object;
  if (!found) throw new AwsApiError('NoSuchKey', 'The specified key does not exist.', 404);
  const headers: Record<string, string> = {
    'content-type': found.contentType,
    etag: found.etag,
    'last-modified': found.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
  };
  const range = rangeOf(req.headers.range, found.size);
  if (headOnly) return { status: range ? 206 : 200, headers: { ...headers, 'content-length': String(range ? range.end - range.start + 1 : found.size) } };
  const body = read!.body;
  if (!range) return { status: 200, headers, body };
  return { status: 206, headers: { ...headers, 'content-range': `bytes ${range.start}-${range.end}/${found.size}` }, body: body.subarray(range.start, range.end + 1) };
}

/** A `Range: bytes=a-b`, `bytes=a-` or `bytes=-n` header (one range; RFC 9110 §14.1.2); none → undefined. */
function rangeOf(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) throw new AwsApiError('InvalidRange', 'The requested range is not satisfiable', 416);
  return { start, end };
}

function listObjectsV2(state: SandboxState, bucket: string, url: URL): string {
  const q = url.searchParams;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') || undefined;
  const maxKeys = Math.min(1000, Math.max(0, Number(q.get('max-keys') ?? 1000) || 0));
  const continuationToken = q.get('continuation-token') ?? undefined;
  const startAfter = q.get('start-after') ?? undefined;
  const after = continuationToken !== undefined ? Buffer.from(continuationToken, 'base64url').toString('utf8') : (startAfter ?? '');
  const objects = [];
  const commonPrefixes: string[] = [];
  let last: string | undefined;
  let truncated = false;
  for (const object of state.objects.list(bucket, prefix)) {
    if (after && Buffer.compare(Buffer.from(object.key), Buffer.from(after)) <= 0) continue;
    // A page that ended on a common prefix goes on after every key under it.
    if (delimiter && after.endsWith(delimiter) && object.key.startsWith(after)) continue;
    const rest = object.key.slice(prefix.length);
    const cut = delimiter ? rest.indexOf(delimiter) : -1;
    const common = cut >= 0 ? prefix + rest.slice(0, cut + delimiter!.length) : undefined;
    if (common && commonPrefixes.includes(common)) continue;
    if (objects.length + commonPrefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (common) commonPrefixes.push(common);
    else objects.push(object);
    last = common ?? object.key;
  }
  return listObjectsV2Xml({
    bucket,
    prefix,
    delimiter,
    maxKeys,
    startAfter,
    continuationToken,
    nextContinuationToken: truncated && last !== undefined ? Buffer.from(last).toString('base64url') : undefined,
    objects,
    commonPrefixes,
    encodingType: q.get('encoding-type') ?? undefined,
  });
}
