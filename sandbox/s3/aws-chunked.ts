/**
 * The `aws-chunked` content encoding, in which the SDKs and the CLI may stream an upload:
 * `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n` … `0[;…]\r\n` followed by trailing headers
 * (`x-amz-checksum-crc32:…`) and `\r\n` (S3 API reference, "Signature calculations for the
 * Authorization header: Transferring payload in multiple chunks"; "Using trailing checksums").
 * Signatures and checksums are not checked, as no signature is anywhere in the sandbox.
 */

/** Whether the request body is aws-chunked (by its content encoding or its payload hash). */
export function isAwsChunked(headers: Record<string, string | string[] | undefined>): boolean {
  const encoding = String(headers['content-encoding'] ?? '');
  const payload = String(headers['x-amz-content-sha256'] ?? '');
  return encoding.split(',').some((e) => e.trim() === 'aws-chunked') || payload.startsWith('STREAMING-');
}

/** The payload inside an aws-chunked body; throws on a body that is not one. */
export function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) throw new Error('aws-chunked body: a chunk header has no CRLF');
    const header = body.subarray(at, lineEnd).toString('latin1');
    const size = Number.parseInt(header.split(';')[0], 16);
    if (!Number.isFinite(size) || size < 0) throw new Error(`aws-chunked body: bad chunk size ${JSON.stringify(header.slice(0, 20))}`);
    at = lineEnd + 2;
    if (size === 0) return Buffer.concat(parts);
    if (at + size > body.length) throw new Error('aws-chunked body: a chunk runs past the end');
    parts.push(body.subarray(at, at + size));
    at += size;
    if (body.subarray(at, at + 2).toString('latin1') !== '\r\n') throw new Error('aws-chunked body: a chunk does not end with CRLF');
    at += 2;
  }
}
