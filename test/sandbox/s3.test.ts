import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { EC2Client, RunInstancesCommand, waitUntilInstanceRunning } from '@aws-sdk/client-ec2';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DescribeInstanceInformationCommand, GetCommandInvocationCommand, SendCommandCommand, SSMClient, type GetCommandInvocationCommandOutput } from '@aws-sdk/client-ssm';
import { BASE_IMAGE_IDS, EXAMPLE_ARTIFACT_BUCKET, EXAMPLE_COMMAND_OUTPUT_BUCKET, startSandbox, type RunningSandbox } from '../../sandbox';
import { until } from '../helpers/outcomes';

describe('sandbox S3', () => {
  let sandbox: RunningSandbox;
  let s3: S3Client;

  beforeAll(async () => {
    sandbox = await startSandbox({ profile: 'instant' });
    // The unmodified client: an IP endpoint makes it go path-style by itself.
    s3 = new S3Client(sandbox.clientConfig());
  });
  afterAll(async () => {
    s3?.destroy();
    await sandbox?.stop();
  });

  it('stores, reads back, describes and lists objects through the real S3 client', async () => {
    await s3.send(new PutObjectCommand({ Bucket: EXAMPLE_ARTIFACT_BUCKET, Key: 'apps/a b+c/1.0.0.tar.gz', Body: 'release one', ContentType: 'application/gzip' }));
    await s3.send(new PutObjectCommand({ Bucket: EXAMPLE_ARTIFACT_BUCKET, Key: 'apps/other/2.0.0.tar.gz', Body: Buffer.from([0, 1, 2, 255]) }));
    const got = await s3.send(new GetObjectCommand({ Bucket: EXAMPLE_ARTIFACT_BUCKET, Key: 'apps/a b+c/1.0.0.tar.gz' }));
    expect(await got.Body!.transformToString()).toBe('release one');
    expect(got.ContentType).toBe('application/gzip');
    expect(got.ContentLength).toBe(11);
    const binary = await s3.send(new GetObjectCommand({ Bucket: EXAMPLE_ARTIFACT_BUCKET, Key: 'apps/other/2.0.0.tar.gz' }));
    expect([...(await binary.Body!.transformToByteArray())]).toEqual([0, 1, 2, 255]);
    const head = await s3.send(new HeadObjectCommand({ Bucket: EXAMPLE_ARTIFACT_BUCKET, Key: 'apps/other/2.0.0.tar.gz' }));
    expect(head).toMatchObject({ ContentLength: 4, ETag: `"${createHash('md5').update(Buffer.from([0, 1, 2, 255])).digest('hex')}"` });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: EXAMPLE_ARTIFACT_BUCKET, Prefix: 'apps/' }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([
      ['apps/a b+c/1.0.0.tar.gz', 11],
      ['apps/other/2.0.0.tar.gz', 4],
    ]);
    const folders = await s3.send(new ListObjectsV2Command({ Bucket: EXAMPLE_ARTIFACT_BUCKET, Prefix: 'apps/', Delimiter: '/' }));
    expect(folders.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['apps/a b+c/', 'apps/other/']);
    expect((await s3.send(new HeadBucketCommand({ Bucket: EXAMPLE_COMMAND_OUTPUT_BUCKET }))).$metadata.httpStatusCode).toBe(200);
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual([EXAMPLE_ARTIFACT_BUCKET, EXAMPLE_COMMAND_OUTPUT_BUCKET]);
  });

  it('pages a listing with continuation tokens', async () => {
    for (let i = 0; i < 5; i++) await s3.send(new PutObjectCommand({ Bucket: EXAMPLE_COMMAND_OUTPUT_BUCKET, Key: `paged/${i}`, Body: `${i}` }));
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: EXAMPLE_COMMAND_OUTPUT_BUCKET, Prefix: 'paged/', MaxKeys: 2, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
      pages++;
    } while (token);
    expect({ keys, pages }).toEqual({ keys: ['paged/0', 'paged/1', 'paged/2', 'paged/3', 'paged/4'], pages: 3 });
  });

  it('serves byte ranges, and takes a streamed (aws-chunked) upload', async () => {
    const text = 'x'.repeat(1000) + 'the end';
    await s3.send(new PutObjectCommand({ Bucket: EXAMPLE_COMMAND_OUTPUT_BUCKET, Key: 'streamed', Body: Readable.from([Buffer.from(text)]), ContentLength: text.length }));
    const tail = await s3.send(new GetObjectCommand({ Bucket: EXAMPLE_COMMAND_OUTPUT_BUCKET, Key: 'streamed', Range: 'bytes=-7' }));
    expect({ body: await tail.Body!.transformToString(), range: tail.ContentRange }).toEqual({ body: 'the end', range: 'bytes 1000-1006/1007' });
    const middle = await s3.send(new GetObjectCommand({ Bucket: EXAMPLE_COMMAND_OUTPUT_BUCKET, Key: 'streamed', Range: 'bytes=998-1002' }));
    expect(await middle.Body!.transformToString()).toBe('xxthe');
    await expect(s3.send(new GetObjectCommand({ Bucket: EXAMPLE_COMMAND_OUTPUT_BUCKET, Key: 'streamed', Range: 'bytes=5000-' }))).rejects.toMatchObject({ name: 'InvalidRange' });
  });

  it("answers S3's errors: no such key, no such bucket, and NotImplemented for what it does not model", async () => {
    await expect(s3.send(new GetObjectCommand({ Bucket: EXAMPLE_ARTIFACT_BUCKET, Key: 'missing' }))).rejects.toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    await expect(s3.send(new HeadObjectCommand({ Bucket: EXAMPLE_ARTIFACT_BUCKET, Key: 'missing' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    await expect(s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'k', Body: 'x' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await expect(s3.send(new DeleteObjectCommand({ Bucket: EXAMPLE_ARTIFACT_BUCKET, Key: 'apps/other/2.0.0.tar.gz' }))).rejects.toMatchObject({
      name: 'NotImplemented',
      $metadata: { httpStatusCode: 501 },
    });
    // Nothing was deleted.
    expect((await s3.send(new HeadObjectCommand({ Bucket: EXAMPLE_ARTIFACT_BUCKET, Key: 'apps/other/2.0.0.tar.gz' }))).ContentLength).toBe(4);
  });

  describe('with SSM and instances', () => {
    let ec2: EC2Client;
    let ssm: SSMClient;
    let instanceId: string;

    const finished = (commandId: string): Promise<GetCommandInvocationCommandOutput> =>
      until(`command ${commandId}`, async () => {
        try {
          const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
          return ['Pending', 'InProgress', 'Delayed'].includes(inv.Status ?? '') ? undefined : inv;
        } catch (e) {
          if ((e as Error).name !== 'InvocationDoesNotExist') throw e;
          return undefined;
        }
      });
    const run = async (commands: string[], output?: { bucket: string; prefix: string }) => {
      const sent = await ssm.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunShellScript',
          InstanceIds: [instanceId],
          Parameters: { commands },
          ...(output ? { OutputS3BucketName: output.bucket, OutputS3KeyPrefix: output.prefix } : {}),
        }),
      );
      return { commandId: sent.Command!.CommandId!, invocation: await finished(sent.Command!.CommandId!) };
    };

    beforeAll(async () => {
      ec2 = new EC2Client(sandbox.clientConfig());
      ssm = new SSMClient(sandbox.clientConfig());
      const launched = await ec2.send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1 }));
      instanceId = launched.Instances![0].InstanceId!;
      await waitUntilInstanceRunning({ client: ec2, maxWaitTime: 30, minDelay: 1 }, { InstanceIds: [instanceId] });
      await until('the agent online', async () => {
        const info = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }));
        return info.InstanceInformationList?.[0]?.PingStatus === 'Online' ? true : undefined;
      });
    });
    afterAll(() => {
      ec2?.destroy();
      ssm?.destroy();
    });

    it('writes the whole output of a command to OutputS3BucketName, where GetCommandInvocation keeps 24,000 characters', async () => {
      // 200 KB of stdout, and stderr past its own 8,000-character cut.
      const { commandId, invocation } = await run(['i=0; while [ $i -lt 2500 ]; do printf "line %05d %s\\n" $i 0123456789012345678901234567890123456789012345678901234567890123456789; i=$((i+1)); done', 'head -c 9000 /dev/zero | tr "\\0" e >&2'], {
        bucket: EXAMPLE_COMMAND_OUTPUT_BUCKET,
        prefix: 'runs/one',
      });
      expect(invocation.Status).toBe('Success');
      expect(invocation.StandardOutputContent).toHaveLength(24_000);
      expect(invocation.StandardErrorContent).toHaveLength(8_000);
      const key = `runs/one/${commandId}/${instanceId}/awsrunShellScript/0.awsrunShellScript/stdout`;
      expect(invocation.StandardOutputUrl).toBe(`${sandbox.endpoint}/${EXAMPLE_COMMAND_OUTPUT_BUCKET}/${key}`);
      const stdout = await (await s3.send(new GetObjectCommand({ Bucket: EXAMPLE_COMMAND_OUTPUT_BUCKET, Key: key }))).Body!.transformToString();
      expect(stdout.length).toBe(2500 * 82);
      expect(stdout.startsWith(invocation.StandardOutputContent!)).toBe(true);
      expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^line 02499 /);
      const stderr = await (await s3.send(new GetObjectCommand({ Bucket: EXAMPLE_COMMAND_OUTPUT_BUCKET, Key: key.replace(/stdout$/, 'stderr') }))).Body!.transformToString();
      expect(stderr).toBe('e'.repeat(9000));
    });

    it('writes nothing without an output bucket, and no empty stream', async () => {
      const before = (await sandbox.control.resources()).objects.length;
      await run(['echo quiet']);
      expect((await sandbox.control.resources()).objects.length).toBe(before);
      const { commandId } = await run(['echo only stdout'], { bucket: EXAMPLE_COMMAND_OUTPUT_BUCKET, prefix: 'runs/two' });
      expect((await sandbox.control.resources()).objects.filter((o) => o.key.includes(commandId)).map((o) => o.key.split('/').at(-1))).toEqual(['stdout']);
    });

    it("gives instances an `aws s3 cp` that reads and writes the sandbox's S3, and fails like the AWS CLI", async () => {
      await s3.send(new PutObjectCommand({ Bucket: EXAMPLE_ARTIFACT_BUCKET, Key: 'releases/app 1.tar.gz', Body: 'the artifact' }));
      const copied = await run([
        `aws s3 cp --only-show-errors "s3://${EXAMPLE_ARTIFACT_BUCKET}/releases/app 1.tar.gz" /opt/artifact.tar.gz`,
        'cat /opt/artifact.tar.gz',
        `echo uploaded | aws s3 cp - s3://${EXAMPLE_COMMAND_OUTPUT_BUCKET}/from-instance.txt`,
      ]);
      expect({ status: copied.invocation.Status, out: copied.invocation.StandardOutputContent, err: copied.invocation.StandardErrorContent }).toEqual({ status: 'Success', out: 'the artifact', err: '' });
      expect(await (await s3.send(new GetObjectCommand({ Bucket: EXAMPLE_COMMAND_OUTPUT_BUCKET, Key: 'from-instance.txt' }))).Body!.transformToString()).toBe('uploaded\n');
      const missing = await run([`aws s3 cp s3://${EXAMPLE_ARTIFACT_BUCKET}/releases/none.tar.gz /opt/none.tar.gz`]);
      expect({ status: missing.invocation.Status, code: missing.invocation.ResponseCode }).toEqual({ status: 'Failed', code: 1 });
      expect(missing.invocation.StandardErrorContent).toMatch(/^fatal error: An error occurred \(404\) when calling the GetObject operation/);
      const other = await run(['aws ec2 describe-instances']);
      expect({ code: other.invocation.ResponseCode, err: other.invocation.StandardErrorContent }).toEqual({ code: 252, err: expect.stringContaining("only 'aws s3 cp SRC DEST'") });
    });
  });
});
