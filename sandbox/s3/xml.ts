/** S3's REST-XML shapes: the error document and the listings (S3 API reference: "Error responses", ListObjectsV2, ListBuckets). */
import type { StoredObject } from '../state/objects';

const NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** XML text content, escaped. */
export function xmlText(value: string | number | boolean): string {
  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function element(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${xmlText(value)}</${name}>`;
}

/** `<Error><Code>…` with the resource and request id, as S3 answers. */
export function errorXml(code: string, message: string, requestId: string, extra: Record<string, string> = {}): string {
  const fields = Object.entries(extra).map(([name, value]) => element(name, value)).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${element('Code', code)}${element('Message', message)}${fields}${element('RequestId', requestId)}</Error>`;
}

/** What one page of a ListObjectsV2 holds. */
export interface ObjectListing {
  bucket: string;
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  startAfter?: string;
  continuationToken?: string;
  nextContinuationToken?: string;
  objects: StoredObject[];
  commonPrefixes: string[];
  /** `url`: keys and prefixes percent-encoded (what botocore asks for). */
  encodingType?: string;
}

export function listObjectsV2Xml(page: ObjectListing): string {
  const encode = (text: string) => (page.encodingType === 'url' ? encodeURIComponent(text) : text);
  const contents = page.objects
    .map(
      (o) =>
        `<Contents>${element('Key', encode(o.key))}${element('LastModified', o.lastModified.toISOString())}${element('ETag', o.etag)}${element('Size', o.size)}${element('StorageClass', 'STANDARD')}</Contents>`,
    )
    .join('');
  const prefixes = page.commonPrefixes.map((p) => `<CommonPrefixes>${element('Prefix', encode(p))}</CommonPrefixes>`).join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="${NAMESPACE}">` +
    element('Name', page.bucket) +
    element('Prefix', encode(page.prefix)) +
    element('Delimiter', page.delimiter === undefined ? undefined : encode(page.delimiter)) +
    element('MaxKeys', page.maxKeys) +
    element('KeyCount', page.objects.length + page.commonPrefixes.length) +
    element('IsTruncated', page.nextContinuationToken !== undefined) +
    element('ContinuationToken', page.continuationToken) +
    element('NextContinuationToken', page.nextContinuationToken) +
    element('StartAfter', page.startAfter === undefined ? undefined : encode(page.startAfter)) +
    element('EncodingType', page.encodingType) +
    contents +
    prefixes +
    '</ListBucketResult>'
  );
}

export function listBucketsXml(buckets: string[], ownerId: string): string {
  const list = buckets.map((name) => `<Bucket>${element('Name', name)}${element('CreationDate', '2026-11-01T00:00:00.000Z')}</Bucket>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="${NAMESPACE}"><Owner>${element('ID', ownerId)}</Owner><Buckets>${list}</Buckets></ListAllMyBucketsResult>`;
}
