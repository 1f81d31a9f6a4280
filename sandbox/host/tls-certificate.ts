/**
 * The certificate of the sandbox's HTTPS listener: self-signed for `127.0.0.1`, made fresh at
 * every start (nothing secret is kept), written beside the instance roots so instances can trust
 * it. Real S3 answers `https://` with a certificate every instance trusts; a sandbox instance
 * trusts this one through `CURL_CA_BUNDLE` and `AWS_CA_BUNDLE` (see instance-shell.ts), the
 * variables curl and the AWS CLI read.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** A key, its certificate, and where the certificate's PEM is on disk. */
export interface LocalCertificate {
  key: string;
  cert: string;
  /** The certificate's PEM, for whoever must trust it (`CURL_CA_BUNDLE`, `NODE_EXTRA_CA_CERTS`). */
  caBundlePath: string;
}

const DAY_MS = 24 * 60 * 60_000;

/** Makes a certificate for `127.0.0.1`, valid from a day ago (clock skew) for a week, and writes its PEM into `dir`. */
export async function makeLocalCertificate(dir: string): Promise<LocalCertificate> {
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    notBeforeDate: new Date(now - DAY_MS),
    notAfterDate: new Date(now + 7 * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const caBundlePath = join(dir, 'sandbox-ca.pem');
  await writeFile(caBundlePath, pems.cert);
  return { key: pems.private, cert: pems.cert, caBundlePath };
}
