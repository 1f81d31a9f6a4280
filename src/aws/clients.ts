import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SDK_MAX_ATTEMPTS } from '../contracts/retry-policy';
import { addRateLimitMiddleware, RateLimiter, type RateLimitOverrides } from './rate-limit';

/** Settings shared by every client; credentials are never here (default provider chain). */
export interface AwsClientOptions {
  /** An AWS-compatible endpoint; normally unset so the SDK picks the real one (or AWS_ENDPOINT_URL). */
  endpoint?: string;
  /** SDK attempts per call before the error reaches the activity (default {@link SDK_MAX_ATTEMPTS}; see contracts/retry-policy.ts). */
  maxAttempts?: number;
  /**
   * Client-side rate limits per region and API bucket (see rate-limit/), shared by every client
   * made here: `true` for the defaults, an override table merged over them, a `RateLimiter` to
   * share one with other client sets, or `false`/unset for none (the production worker turns
   * them on; tests that do not care leave them off).
   */
  rateLimits?: boolean | RateLimitOverrides | RateLimiter;
  /** Extra middleware applied to every client (e.g. the worker's shared rate limiter). */
  configure?: (client: AwsClient, service: AwsService, region: string) => void;
}

export type AwsService = 'ec2' | 'ssm' | 'elbv2' | 'iam' | 's3';
type AwsClient = EC2Client | SSMClient | ElasticLoadBalancingV2Client | IAMClient | S3Client;

/** Region-scoped AWS clients, made once per region and shared by all activities of a worker. */
export interface AwsClients {
  ec2(region: string): EC2Client;
  ssm(region: string): SSMClient;
  elbv2(region: string): ElasticLoadBalancingV2Client;
  /** IAM is global; the region only picks the partition's endpoint. Read-only use (preflight). */
  iam(region: string): IAMClient;
  /** S3 (the whole output of commands, kept by SSM); follows a bucket's region if it is elsewhere. */
  s3(region: string): S3Client;
  destroy(): void;
  /** The limiter every client here draws from, when rate limits are on (for metrics). */
  readonly rateLimiter?: RateLimiter;
}

function limiterFor(option: AwsClientOptions['rateLimits']): RateLimiter | undefined {
  if (option === undefined || option === false) return undefined;
  if (option instanceof RateLimiter) return option;
  return new RateLimiter(option === true ? {} : option);
}

/** Creates the per-region client cache from the worker's environment. */
export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const cache = new Map<string, AwsClient>();
  const base = { endpoint: options.endpoint, maxAttempts: options.maxAttempts ?? SDK_MAX_ATTEMPTS };
  // One limiter for every region and service: the buckets inside are per region, as AWS's are.
  const rateLimiter = limiterFor(options.rateLimits);
  function get<T extends AwsClient>(service: AwsService, region: string, make: () => T): T {
    const key = `${service}:${region}`;
    let client = cache.get(key) as T | undefined;
    if (!client) {
      client = make();
      // IAM is read once by the preflight; S3's request limits are per key prefix and thousands a second: nothing here comes near them.
      if (rateLimiter && service !== 'iam' && service !== 's3') addRateLimitMiddleware(client, rateLimiter, service, region);
      options.configure?.(client, service, region);
      cache.set(key, client);
    }
    return client;
  }
  return {
    ec2: (region) => get('ec2', region, () => new EC2Client({ ...base, region })),
    ssm: (region) => get('ssm', region, () => new SSMClient({ ...base, region })),
    elbv2: (region) => get('elbv2', region, () => new ElasticLoadBalancingV2Client({ ...base, region })),
    iam: (region) => get('iam', region, () => new IAMClient({ ...base, region })),
    s3: (region) => get('s3', region, () => new S3Client({ ...base, region, followRegionRedirects: true })),
    destroy: () => {
      for (const client of cache.values()) client.destroy();
      cache.clear();
    },
    rateLimiter,
  };
}
