import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { readExampleSpec } from '../../examples/example-app';
import { redactSecrets, redactUrl, urlCarriesSecret } from '../../src/contracts/redact';
import { artifactFilePath, artifactUrlProblem, readSidecarChecksum } from '../../src/request/artifact';
import { MAX_SPEC_BYTES, readInputFile } from '../../src/request/input-file';
import { InvalidInputError, loadDeploySpec, parseDeploySpec } from '../../src/request/load';

function problemsOf(raw: unknown): string[] {
  try {
    parseDeploySpec(raw);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
  return [];
}

function readProblem(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems.map((p) => p.message).join('; ');
    throw error;
  }
  throw new Error('expected the read to be refused');
}

describe('spec tags', () => {
  it.each([['hybrid-deploy:expires-at'], ['hybrid-deploy:role'], ['Hybrid-Deploy:app'], ['aws:cloudformation:stack-name'], ['AWS:x']])(
    'refuses the reserved key %s, naming it',
    (key) => {
      const spec = readExampleSpec();
      spec.tags = { team: 'platform', [key]: '2000-01-01T00:00:00Z' };
      expect(problemsOf(spec)).toEqual([expect.stringMatching(new RegExp(`^tags\\.${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ".*" uses the reserved prefix`))]);
    },
  );

  it('accepts keys that merely contain a reserved word', () => {
    const spec = readExampleSpec();
    spec.tags = { 'team:hybrid-deploy:owner': 'x', 'my-aws:thing': 'y' };
    expect(problemsOf(spec)).toEqual([]);
  });
});

describe('artifact URLs', () => {
  it.each([
    ['https://user:hunter2@artifacts.example.com/app.tar.gz', /embeds credentials .*use an s3:\/\/ URL/],
    ['http://token@artifacts.example.com/app.tar.gz', /embeds credentials/],
    ['ftp://artifacts.example.com/app.tar.gz', /is not an artifact URL/],
    ['file://host/srv/app.tar.gz', /no host/],
    ['file:///srv/a%2Fb.tar.gz', /is not a file path/],
    ['file:///srv/a%00b.tar.gz', /NUL byte|is not a file path/],
    ['file:/srv/app.tar.gz', /no host|is not a local file URL/],
    ['https://example.com/a b.tgz', /whitespace/],
    ['https://example.com/a\nb.tgz', /whitespace or control/],
    ['s3://Bad_Bucket/key', /is not an S3 URL/],
    ['s3://bucket', /is not an S3 URL/],
    [`https://example.com/${'a'.repeat(9000)}`, /at most 8192/],
  ])('refuses %j with a message that names the fix', (url, message) => {
    const problem = artifactUrlProblem(url);
    expect(problem).toMatch(message);
    expect(problem).not.toContain('hunter2');
    expect(problem).not.toContain('token@');
  });

  it.each([
    ['s3://my-bucket/releases/app-1.0.0.tar.gz'],
    ['https://my-bucket.s3.amazonaws.com/app.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc'],
    ['https://artifacts.example.com/app[1-300].tar.gz'],
    ['file:///srv/my%20releases/app.tar.gz'],
  ])('accepts %j', (url) => {
    expect(artifactUrlProblem(url)).toBeUndefined();
  });

  it('percent-decodes a file:// URL into the path the instance reads', () => {
    expect(artifactFilePath('file:///srv/my%20releases/app%231.tar.gz')).toBe('/srv/my releases/app#1.tar.gz');
  });
});

describe('redaction', () => {
  it('blanks userinfo and query values, keeping what identifies the artifact', () => {
    expect(redactUrl('https://u:p@host.example/dir/app.tgz?X-Amz-Credential=AKIA/x&X-Amz-Signature=deadbeef#frag')).toBe(
      'https://REDACTED@host.example/dir/app.tgz?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED',
    );
    expect(redactUrl('s3://bucket/key.tgz')).toBe('s3://bucket/key.tgz');
    expect(urlCarriesSecret('s3://bucket/key.tgz')).toBe(false);
    expect(urlCarriesSecret('https://h/a?sig=1')).toBe(true);
  });

  it('finds every URL and signing parameter in free text', () => {
    const text = 'sha256 mismatch for https://h.example/a.tgz?X-Amz-Signature=s3cr3t: expected x; then X-Amz-Security-Token=t0k3n alone; http://a:b@c/d';
    const redacted = redactSecrets(text);
    for (const secret of ['s3cr3t', 't0k3n', 'a:b@']) expect(redacted).not.toContain(secret);
    expect(redacted).toContain('https://h.example/a.tgz?X-Amz-Signature=REDACTED');
  });

  it('never lets a query value or a password through, whatever the URL', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9]{8,20}$/).map((s) => `SECRET${s}`);
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true }), secret, secret, (url, password, signature) => {
        const parsed = new URL(url);
        parsed.username = 'user';
        parsed.password = password;
        parsed.searchParams.append('X-Amz-Signature', signature);
        const text = `failed to fetch ${parsed.href} (403)`;
        const redacted = redactSecrets(text);
        return !redacted.includes(password) && !redacted.includes(signature) && !redactUrl(parsed.href).includes(password);
      }),
      { numRuns: 500 },
    );
  });
});

describe('input files', () => {
  const work = mkdtempSync(join(tmpdir(), 'hd-input-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('refuses a FIFO at once instead of waiting for a writer', () => {
    const fifo = join(work, 'spec.fifo');
    execFileSync('mkfifo', [fifo]);
    expect(readProblem(() => loadDeploySpec(fifo))).toMatch(/is not a regular file \(a FIFO\)/);
    expect(readProblem(() => readSidecarChecksum(fifo))).toMatch(/a FIFO/);
  });

  it('refuses a device and a directory', () => {
    expect(readProblem(() => loadDeploySpec('/dev/zero'))).toMatch(/is not a regular file \(a device\)/);
    expect(readProblem(() => loadDeploySpec(work))).toMatch(/is not a regular file \(a directory\)/);
  });

  it('refuses a file over the limit without reading it whole', () => {
    const big = join(work, 'big.yaml');
    writeFileSync(big, `app: x\n# ${'x'.repeat(MAX_SPEC_BYTES)}\n`);
    expect(readProblem(() => loadDeploySpec(big))).toMatch(/bytes; at most 1048576 are read/);
    const sidecar = join(work, 'a.tar.gz.sha256');
    writeFileSync(sidecar, 'f'.repeat(10_000));
    expect(readProblem(() => readSidecarChecksum(sidecar))).toMatch(/at most 4096/);
  });

  it('reads a regular file, and a sha256sum line by its first word', () => {
    const sidecar = join(work, 'b.tar.gz.sha256');
    writeFileSync(sidecar, `${'a'.repeat(64)}  b.tar.gz\n`);
    expect(readSidecarChecksum(sidecar)).toBe('a'.repeat(64));
    expect(readInputFile(sidecar, 100)).toContain('b.tar.gz');
  });

  it('never quotes the file in a parse error (it may hold secrets)', () => {
    const broken = join(work, 'broken.yaml');
    writeFileSync(broken, 'app: shop\npostDeploy:\n  - token: SPECSECRET: x\n');
    const message = readProblem(() => loadDeploySpec(broken));
    expect(message).toMatch(/^is not valid YAML or JSON: .*line \d+/);
    expect(message).not.toContain('SPECSECRET');
  });
});
