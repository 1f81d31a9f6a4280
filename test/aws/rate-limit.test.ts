import { CreateTagsCommand, DescribeInstancesCommand, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { startSandbox, BASE_IMAGE_IDS, type RunningSandbox } from '../../sandbox';
import { createAwsClients, type AwsClients } from '../../src/aws/clients';
import {
  classifyCommand,
  DEFAULT_RATE_LIMITS,
  parseRateLimitOverrides,
  RateLimiter,
  rateLimitsFromEnv,
  resolveRateLimits,
  TokenBucket,
} from '../../src/aws/rate-limit';

describe('TokenBucket', () => {
  it('starts full, refills at its rate and never holds more than its capacity', () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 2 }, () => now);
    expect(bucket.available).toBe(5);
    for (let i = 0; i < 5; i++) expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    now += 250;
    expect(bucket.available).toBeCloseTo(0.5);
    expect(bucket.tryTake()).toBe(false);
    now += 250;
    expect(bucket.available).toBeCloseTo(1);
    expect(bucket.tryTake()).toBe(true);
    now += 60_000; // a minute idle refills 120 tokens' worth, but the bucket holds 5
    expect(bucket.available).toBe(5);
  });

  it('serves waiters in arrival order, and a newcomer queues behind them', async () => {
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 50 });
    const order: number[] = [];
    const takes = [0, 1, 2, 3, 4].map((i) => bucket.take().then((waited) => (order.push(i), waited)));
    expect(bucket.waiting).toBe(4); // the first took the only token
    const waits = await Promise.all(takes);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(waits[0]).toBe(0);
    expect(waits[4]).toBeGreaterThan(0);
    expect(bucket.metrics).toMatchObject({ taken: 5, waited: 4 });
  });

  it('does not let a newcomer take a token that is due to a waiter', async () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 10 }, () => now);
    await bucket.take();
    const waiter = bucket.take();
    now += 100; // a token has arrived, the waiter's timer has not fired yet
    expect(bucket.available).toBeCloseTo(1);
    expect(bucket.tryTake()).toBe(false);
    const newcomer = bucket.take();
    expect(bucket.waiting).toBe(2);
    await waiter; // the timer hands the token to the first in line
    expect(bucket.waiting).toBe(1);
    now += 100;
    await newcomer;
  });

  it('gives up a wait when its signal aborts, without spending a token', async () => {
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1 });
    await bucket.take();
    const controller = new AbortController();
    const waiting = bucket.take(controller.signal);
    controller.abort(new Error('activity cancelled'));
    await expect(waiting).rejects.toThrow('activity cancelled');
    expect(bucket.waiting).toBe(0);
    expect(bucket.metrics).toMatchObject({ taken: 1, aborted: 1 });
  });
});

describe('classifyCommand', () => {
  it('gives RunInstances, CreateTags and CopyImage their own buckets', () => {
    expect(classifyCommand('ec2', 'RunInstancesCommand', { MinCount: 1, MaxCount: 1 })).toEqual({ service: 'ec2', bucket: 'RunInstances' });
    expect(classifyCommand('ec2', 'CreateTagsCommand', {})).toEqual({ service: 'ec2', bucket: 'CreateTags' });
    expect(classifyCommand('ec2', 'CopyImageCommand', {}).bucket).toBe('CopyImage');
    expect(classifyCommand('ec2', 'TerminateInstancesCommand', {}).bucket).toBe('TerminateInstances');
  });

  it('puts DescribeInstances without ids, filters or pages in the smaller unfiltered bucket', () => {
    expect(classifyCommand('ec2', 'DescribeInstancesCommand', {}).bucket).toBe('describeUnfiltered');
    expect(classifyCommand('ec2', 'DescribeInstancesCommand', { InstanceIds: [] }).bucket).toBe('describeUnfiltered');
    expect(classifyCommand('ec2', 'DescribeInstancesCommand', { InstanceIds: ['i-0123456789abcdef0'] }).bucket).toBe('describe');
    expect(classifyCommand('ec2', 'DescribeInstancesCommand', { Filters: [{ Name: 'tag:app', Values: ['web'] }] }).bucket).toBe('describe');
    expect(classifyCommand('ec2', 'DescribeInstancesCommand', { MaxResults: 100 }).bucket).toBe('describe');
  });

  it('sends unknown actions to the default bucket of their verb', () => {
    expect(classifyCommand('ec2', 'CreateImageCommand', {}).bucket).toBe('mutating');
    expect(classifyCommand('ec2', 'ModifyInstanceAttributeCommand', {}).bucket).toBe('mutating');
    expect(classifyCommand('ec2', 'DescribeImagesCommand', { Filters: [{ Name: 'name', Values: ['x'] }] }).bucket).toBe('describe');
    expect(classifyCommand('ec2', 'GetConsoleOutputCommand', { InstanceId: 'i-1' }).bucket).toBe('describe');
    expect(classifyCommand('ssm', 'SendCommandCommand', {}).bucket).toBe('SendCommand');
    expect(classifyCommand('ssm', 'GetCommandInvocationCommand', {}).bucket).toBe('describe');
    expect(classifyCommand('ssm', 'PutParameterCommand', {}).bucket).toBe('mutating');
    expect(classifyCommand('elbv2', 'DescribeTargetHealthCommand', {}).bucket).toBe('describe');
    expect(classifyCommand('elbv2', 'RegisterTargetsCommand', {}).bucket).toBe('mutating');
  });

  it('follows the table: an overridden action gets its own bucket, a removed one falls back', () => {
    const table = resolveRateLimits({ ec2: { CreateImage: { capacity: 10, refillPerSecond: 1 }, CopyImage: null } });
    expect(classifyCommand('ec2', 'CreateImageCommand', {}, table).bucket).toBe('CreateImage');
    expect(classifyCommand('ec2', 'CopyImageCommand', {}, table).bucket).toBe('mutating');
    expect(DEFAULT_RATE_LIMITS.ec2.CopyImage).toEqual({ capacity: 100, refillPerSecond: 1 });
  });
});

describe('rate-limit configuration', () => {
  it('reads HYBRID_DEPLOY_RATE_LIMITS: unset → defaults, off → none, JSON → overrides', () => {
    expect(rateLimitsFromEnv({})).toEqual({});
    expect(rateLimitsFromEnv({ HYBRID_DEPLOY_RATE_LIMITS: 'off' })).toBe(false);
    expect(rateLimitsFromEnv({ HYBRID_DEPLOY_RATE_LIMITS: '{"ec2":{"RunInstances":{"capacity":10,"refillPerSecond":4}}}' })).toEqual({
      ec2: { RunInstances: { capacity: 10, refillPerSecond: 4 } },
    });
  });

  it('rejects a bad table naming the field', () => {
    expect(() => rateLimitsFromEnv({ HYBRID_DEPLOY_RATE_LIMITS: '{"ec2":{"RunInstances":{"capacity":0,"refillPerSecond":2}}}' })).toThrow(
      /HYBRID_DEPLOY_RATE_LIMITS: ec2\.RunInstances\.capacity/,
    );
    expect(() => rateLimitsFromEnv({ HYBRID_DEPLOY_RATE_LIMITS: 'yes please' })).toThrow(/not "off" and not JSON/);
    expect(() => parseRateLimitOverrides({ ec3: {} })).toThrow(/ec3/);
  });

  it('keeps a bucket per region and scales it by the utilization', () => {
    const limiter = new RateLimiter({ utilization: 0.5 });
    const east = limiter.bucketFor('us-east-1', 'ec2', 'RunInstancesCommand');
    expect(limiter.bucketFor('us-east-1', 'ec2', 'RunInstances')).toBe(east);
    expect(limiter.bucketFor('us-west-2', 'ec2', 'RunInstancesCommand')).not.toBe(east);
    expect(east).toMatchObject({ capacity: 2, refillPerSecond: 1 });
  });
});

/**
 * Through the real SDK clients and the sandbox with EC2's token buckets on: the sandbox's
 * RunInstances bucket is 5 tokens, refilled at 2 per second, per region.
 */
describe('rate limits against the sandbox', () => {
  const BURST = 12;
  let sandbox: RunningSandbox;
  const clientSets: AwsClients[] = [];
  const launched = new Map<string, string[]>(); // region → instance ids

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'sandbox';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'sandbox';
    sandbox = await startSandbox({ profile: 'instant' });
  });

  afterAll(async () => {
    try {
      if (sandbox) {
        await sandbox.control.useEc2Buckets(false);
        // Let the last launches finish copying their roots: terminating a pending instance
        // mid-copy makes the sandbox log the copy's failure.
        for (let i = 0; i < 50 && (await sandbox.control.resources()).instances.some((x) => x.state === 'pending'); i++) {
          await new Promise((r) => setTimeout(r, 100));
        }
        const cleanup = createAwsClients({ endpoint: sandbox.endpoint });
        for (const [region, ids] of launched) {
          if (ids.length > 0) await cleanup.ec2(region).send(new TerminateInstancesCommand({ InstanceIds: ids }));
        }
        cleanup.destroy();
      }
    } finally {
      for (const clients of clientSets) clients.destroy();
      await sandbox?.stop();
    }
  });

  function clients(rateLimits: boolean | RateLimiter): AwsClients {
    const set = createAwsClients({ endpoint: sandbox.endpoint, maxAttempts: 1, rateLimits });
    clientSets.push(set);
    return set;
  }

  /** BURST concurrent single-instance launches in a region; records what started. */
  async function burst(aws: AwsClients, region: keyof typeof BASE_IMAGE_IDS, tag: string): Promise<{ ok: number; throttled: number; other: unknown[] }> {
    const results = await Promise.allSettled(
      Array.from({ length: BURST }, (_, i) =>
        aws.ec2(region).send(
          new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS[region], InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, ClientToken: `${tag}-${region}-${i}` }),
        ),
      ),
    );
    const ids = launched.get(region) ?? [];
    launched.set(region, ids);
    let ok = 0;
    let throttled = 0;
    const other: unknown[] = [];
    for (const r of results) {
      if (r.status === 'fulfilled') {
        ok += 1;
        ids.push(...(r.value.Instances ?? []).map((i) => i.InstanceId as string));
      } else if ((r.reason as Error).name === 'RequestLimitExceeded') throttled += 1;
      else other.push(r.reason);
    }
    return { ok, throttled, other };
  }

  it('a burst of RunInstances through unlimited clients trips RequestLimitExceeded', async () => {
    await sandbox.control.useEc2Buckets(true); // fresh, full buckets
    const result = await burst(clients(false), 'us-east-1', 'unlimited');
    expect(result.other).toEqual([]);
    expect(result.throttled).toBeGreaterThan(0);
    expect(result.ok).toBeLessThan(BURST);
  });

  it('the same burst through limited clients waits for tokens and is never throttled', async () => {
    await sandbox.control.useEc2Buckets(true);
    await sandbox.control.resetCalls();
    const aws = clients(true);
    const result = await burst(aws, 'us-east-1', 'limited');
    expect(result).toEqual({ ok: BURST, throttled: 0, other: [] });
    // Exactly one attempt per launch reached the sandbox, and the limiter did have to hold some back.
    expect((await sandbox.control.calls())['ec2:RunInstances']).toBe(BURST);
    const run = aws.rateLimiter!.metrics().find((m) => m.region === 'us-east-1' && m.bucket === 'RunInstances');
    expect(run?.taken).toBe(BURST);
    expect(run?.waited).toBeGreaterThan(0);
    expect(run?.waitMs).toBeGreaterThan(0);
  });

  it('makes every SDK attempt pay, so retries of a throttled call are limited too', async () => {
    await sandbox.control.useEc2Buckets(false);
    const limiter = new RateLimiter();
    const aws = createAwsClients({ endpoint: sandbox.endpoint, maxAttempts: 3, rateLimits: limiter });
    clientSets.push(aws);
    await sandbox.control.throttle({ action: 'ec2:CreateTags', next: 2 });
    await sandbox.control.resetCalls();
    const id = launched.get('us-east-1')![0];
    await aws.ec2('us-east-1').send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'rate-limit', Value: 'test' }] }));
    expect((await sandbox.control.calls())['ec2:CreateTags']).toBe(3);
    expect(limiter.metrics().find((m) => m.bucket === 'CreateTags')?.taken).toBe(3);
  });

  it("ends a wait for a token when the command's abort signal fires, before anything is sent", async () => {
    await sandbox.control.useEc2Buckets(true);
    const limiter = new RateLimiter({ ec2: { RunInstances: { capacity: 1, refillPerSecond: 0.01 } }, utilization: 1 });
    const aws = clients(limiter);
    const run = (token: string, abortSignal?: AbortSignal) =>
      aws.ec2('eu-west-1').send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['eu-west-1'], MinCount: 1, MaxCount: 1, ClientToken: token }), { abortSignal });
    const first = await run('abort-0');
    launched.set('eu-west-1', (first.Instances ?? []).map((i) => i.InstanceId as string));
    await sandbox.control.resetCalls();
    const controller = new AbortController();
    const second = run('abort-1', controller.signal);
    await new Promise((r) => setTimeout(r, 50));
    expect(limiter.bucketFor('eu-west-1', 'ec2', 'RunInstances')!.waiting).toBe(1);
    controller.abort();
    await expect(second).rejects.toThrow();
    expect((await sandbox.control.calls())['ec2:RunInstances']).toBeUndefined();
    expect(limiter.bucketFor('eu-west-1', 'ec2', 'RunInstances')!.metrics).toMatchObject({ taken: 1, aborted: 1 });
  });

  it('limits regions independently: a burst in us-east-1 does not hold back us-west-2', async () => {
    await sandbox.control.useEc2Buckets(true);
    const limiter = new RateLimiter();
    const aws = clients(limiter);
    const east = burst(aws, 'us-east-1', 'regions');
    // While us-east-1's launches queue for tokens, us-west-2 gets its own full bucket.
    const west = await aws.ec2('us-west-2').send(
      new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-west-2'], MinCount: 1, MaxCount: 1, ClientToken: 'regions-us-west-2-0' }),
    );
    launched.set('us-west-2', [...(launched.get('us-west-2') ?? []), ...(west.Instances ?? []).map((i) => i.InstanceId as string)]);
    const eastBucket = limiter.bucketFor('us-east-1', 'ec2', 'RunInstancesCommand')!;
    expect(eastBucket.waiting).toBeGreaterThan(0);
    const westMetrics = limiter.metrics().find((m) => m.region === 'us-west-2' && m.bucket === 'RunInstances');
    expect(westMetrics).toMatchObject({ taken: 1, waited: 0, waitMs: 0 });
    expect(await east).toEqual({ ok: BURST, throttled: 0, other: [] });
    // And a describe in the same region uses another bucket, with no wait.
    await aws.ec2('us-east-1').send(new DescribeInstancesCommand({ InstanceIds: launched.get('us-east-1')!.slice(0, 1) }));
    expect(limiter.metrics().find((m) => m.region === 'us-east-1' && m.bucket === 'describe')).toMatchObject({ taken: 1, waited: 0 });
  });
});
