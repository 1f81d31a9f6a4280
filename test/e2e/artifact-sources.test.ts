import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { EXAMPLE_ARTIFACT_BUCKET } from '../../sandbox';
import { deployArgs, leftovers, NOTHING_LEFT, startDeployWorld, type DeployWorld } from '../helpers/deploy-world';
import { failed, fleetOf, succeeded, versionsRunning } from '../helpers/outcomes';

const REGIONS = ['us-east-1', 'us-west-2'];

/**
 * The README promises three kinds of artifact URL: `s3://` (fetched on the instance with its
 * role, by `aws s3 cp`), `https://` (a presigned URL: its query travels encrypted and is never
 * printed) and `file://`. Every other test deploys `file://`; here the same releases come from
 * the sandbox's S3, by `s3://` and by a presigned `https://` URL served over TLS, through all
 * three procedures: the bake's builder, a partial deploy's new fleet and a mutable deploy's
 * running instances each fetch one, and each instance then answers with that version.
 */
describe('artifacts from S3 (s3://) and from an HTTPS server (a presigned https:// URL)', () => {
  let world: DeployWorld;
  let s3: S3Client;
  let tlsS3: S3Client;
  const env = 'sources';

  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'fast' });
    s3 = new S3Client({ ...world.sandbox.clientConfig('us-east-1'), forcePathStyle: true });
    // Only presigns (no request is sent through it): the URL names the sandbox's TLS endpoint.
    tlsS3 = new S3Client({ ...world.sandbox.clientConfig('us-east-1'), endpoint: world.sandbox.httpsEndpoint, forcePathStyle: true });
  });
  afterAll(async () => {
    s3?.destroy();
    tlsS3?.destroy();
    await world?.close();
  });

  /** Puts the example app's artifact of `version` into the sandbox's bucket; returns its key and sha256. */
  async function publish(version: string): Promise<{ key: string; sha256: string }> {
    const { url, sha256 } = world.artifact(version);
    const key = `releases/example-app/${version}.tar.gz`;
    await s3.send(new PutObjectCommand({ Bucket: EXAMPLE_ARTIFACT_BUCKET, Key: key, Body: readFileSync(fileURLToPath(url)) }));
    return { key, sha256 };
  }

  /** Every fleet instance of the env in every region answers `version` itself. */
  async function expectServing(version: string): Promise<void> {
    for (const region of REGIONS) {
      const fleet = await fleetOf(world, env, region);
      expect({ region, count: fleet.length }).toEqual({ region, count: 2 });
      expect({ region, versions: await versionsRunning(fleet) }).toEqual({ region, versions: [version, version] });
    }
  }

  it('an immutable deploy bakes a release fetched from s3:// (aws s3 cp on the builder)', async () => {
    const { key, sha256 } = await publish('1.0.0');
    const url = `s3://${EXAMPLE_ARTIFACT_BUCKET}/${key}`;
    const result = succeeded(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0', artifact: { url, sha256 } })));
    expect(result.procedure).toBe('immutable');
    await expectServing('1.0.0');
  });

  it('a partial deploy places a release fetched from a presigned https:// URL; the signature is printed nowhere', async () => {
    const { key, sha256 } = await publish('1.0.1');
    const url = await getSignedUrl(tlsS3, new GetObjectCommand({ Bucket: EXAMPLE_ARTIFACT_BUCKET, Key: key }), { expiresIn: 3600 });
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/.*X-Amz-Signature=/);
    const signature = new URL(url).searchParams.get('X-Amz-Signature') ?? '';
    const run = await world.cli(deployArgs(world, { procedure: 'partial', env, version: '1.0.1', artifact: { url, sha256 } }));
    succeeded(run);
    expect(`${run.stdout}${run.stderr}`).not.toContain(signature);
    await expectServing('1.0.1');
  });

  it('a mutable deploy syncs a release fetched from a presigned https:// URL onto the running instances', async () => {
    const { key, sha256 } = await publish('1.0.2');
    const url = await getSignedUrl(tlsS3, new GetObjectCommand({ Bucket: EXAMPLE_ARTIFACT_BUCKET, Key: key }), { expiresIn: 3600 });
    succeeded(await world.cli(deployArgs(world, { procedure: 'mutable', env, version: '1.0.2', artifact: { url, sha256 } })));
    await expectServing('1.0.2');
  });

  it('an s3:// object that does not exist fails the mutable deploy with S3’s answer; the instances keep serving the release they had', async () => {
    const { sha256 } = world.artifact('1.0.3');
    const url = `s3://${EXAMPLE_ARTIFACT_BUCKET}/releases/example-app/never-published.tar.gz`;
    const output = failed(await world.cli(deployArgs(world, { procedure: 'mutable', env, version: '1.0.3', artifact: { url, sha256 } })));
    expect(JSON.stringify(output)).toContain('GetObject');
    await expectServing('1.0.2');
    // What is meant to stay is the live fleet and the catalog the immutable deploy made (an image and its snapshots per region); nothing else may.
    const fleet = (await Promise.all(REGIONS.map((region) => fleetOf(world, env, region)))).flat();
    const catalog = (await world.sandbox.control.resources()).images.filter((i) => i.tags['hybrid-deploy:env'] === env && !i.deregistered);
    expect(catalog.map((i) => `${i.region} ${i.tags['hybrid-deploy:version']} ${i.state}`).sort()).toEqual(['us-east-1 1.0.0 available', 'us-west-2 1.0.0 available']);
    expect(await leftovers(world, env)).toEqual({
      ...NOTHING_LEFT,
      instances: fleet.map((i) => i.id).sort(),
      images: catalog.map((i) => i.id).sort(),
      snapshots: catalog.flatMap((i) => i.snapshotIds).sort(),
    });
  });
});
