/**
 * The sandbox's configuration: its shape (zod), and loading it from a JSON or YAML file.
 * The default lives in `../default-config.ts`; a file or a test may replace any part of it.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ProfileName, type Timings } from './profiles';
import type { Realism } from './realism';

const subnetSchema = z.object({
  id: z.string().regex(/^subnet-[0-9a-f]{8,17}$/),
  availabilityZone: z.string().min(1),
});

const securityGroupSchema = z.object({
  id: z.string().regex(/^sg-[0-9a-f]{8,17}$/),
  name: z.string().min(1),
});

const baseImageSchema = z.object({
  id: z.string().regex(/^ami-[0-9a-f]{8,17}$/),
  name: z.string().min(3).max(128),
  description: z.string().optional(),
  /** SSM public parameter names that resolve to this image id. */
  ssmParameters: z.array(z.string().startsWith('/')).default([]),
});

const targetGroupSchema = z.object({
  name: z.string().min(1).max(32),
  arn: z.string().startsWith('arn:aws:elasticloadbalancing:'),
  loadBalancerArn: z.string().startsWith('arn:aws:elasticloadbalancing:').optional(),
  port: z.number().int().min(1).max(65535),
  healthCheckPath: z.string().startsWith('/').default('/'),
  /** `traffic-port` (each target's own port) or a fixed port. */
  healthCheckPort: z.union([z.literal('traffic-port'), z.number().int().min(1).max(65535)]).default('traffic-port'),
  /** HTTP codes that count as healthy, as ELBv2's `Matcher.HttpCode` (`200`, `200-299`, `200,302`). */
  matcher: z.string().default('200'),
  /** Overrides of the profile's health-check timings for this group only. */
  deregistrationDelayMs: z.number().int().min(0).optional(),
  healthCheckIntervalMs: z.number().int().min(10).optional(),
  healthyThreshold: z.number().int().min(1).optional(),
  unhealthyThreshold: z.number().int().min(1).optional(),
});

/** A load balancer and the availability zones it enables (ELBv2 `DescribeLoadBalancers`). */
const loadBalancerSchema = z.object({
  name: z.string().min(1).max(32),
  arn: z.string().startsWith('arn:aws:elasticloadbalancing:'),
  availabilityZones: z.array(z.string().min(1)).min(1),
});

/**
 * An IAM instance profile and the managed policies (names such as `AmazonSSMManagedInstanceCore`)
 * or action patterns (`ssm:UpdateInstanceInformation`, `s3:Get*`) its role allows.
 */
const instanceProfileSchema = z.object({
  name: z.string().regex(/^[\w+=,.@-]{1,128}$/),
  roleName: z.string().regex(/^[\w+=,.@-]{1,64}$/),
  policies: z.array(z.string().min(1)).default([]),
});

const capacityShortageSchema = z.object({
  availabilityZone: z.string().min(1),
  instanceType: z.string().min(1).default('*'),
  forMs: z.number().int().min(0).optional(),
});

/** Overrides of the profile's realism (see `realism.ts`), absolute milliseconds. */
const realismSchema = z
  .object({
    enabled: z.boolean(),
    visibilityLagMs: z.object({ min: z.number().int().min(0), max: z.number().int().min(0) }),
    terminatedVisibleMs: z.number().min(0),
    stoppedSettleMs: z.number().int().min(0),
    ssmNeedsInstanceProfile: z.boolean(),
    agentRegistrationJitterMs: z.number().int().min(0),
    ec2Buckets: z.boolean(),
    insufficientCapacity: z.array(capacityShortageSchema),
  } satisfies Record<keyof Realism, z.ZodType>)
  .partial();

const regionSchema = z.object({
  name: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
  vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/),
  subnets: z.array(subnetSchema).min(1),
  securityGroups: z.array(securityGroupSchema).default([]),
  baseImages: z.array(baseImageSchema).default([]),
  loadBalancers: z.array(loadBalancerSchema).default([]),
  targetGroups: z.array(targetGroupSchema).default([]),
  /** Extra SSM parameters (name → value) present at start. */
  parameters: z.record(z.string(), z.string()).default({}),
});

const timingsSchema = z
  .object({
    instanceLaunchMs: z.number(),
    instanceStopMs: z.number(),
    instanceTerminateMs: z.number(),
    agentOnlineMs: z.number(),
    imageCreateMs: z.number(),
    imageCopyMs: z.number(),
    commandVisibleMs: z.number(),
    commandStartMs: z.number(),
    healthCheckIntervalMs: z.number(),
    healthCheckTimeoutMs: z.number(),
    healthyThreshold: z.number().int().min(1),
    unhealthyThreshold: z.number().int().min(1),
    deregistrationDelayMs: z.number(),
    bootScriptWaitMs: z.number(),
  } satisfies Record<keyof Timings, z.ZodType>)
  .partial();

/** An S3 bucket name (S3 user guide, "General purpose bucket naming rules"). */
const bucketNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be 3-63 of a-z, 0-9, . and -, starting and ending with a letter or digit' })
  .refine((name) => !/\.\.|^\d+\.\d+\.\d+\.\d+$/.test(name), { error: 'must not hold ".." or look like an IP address' });

/** The whole configuration; also the `--config` file format (JSON or YAML). */
export const sandboxConfigSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/).default('000000000000'),
  profile: z.enum([ProfileName.instant, ProfileName.fast, ProfileName.realistic]).default('fast'),
  timeScale: z.number().positive().default(1),
  /** Per-field overrides of the profile, absolute milliseconds. */
  timings: timingsSchema.default({}),
  /** Upper bound of live (not terminated) instances; RunInstances beyond it → InstanceLimitExceeded. */
  maxInstances: z.number().int().min(1).default(64),
  /** What the account's IAM holds (global, like IAM): instance profiles and what their roles allow. */
  instanceProfiles: z.array(instanceProfileSchema).default([]),
  /** Overrides of the profile's realism knobs. */
  realism: realismSchema.default({}),
  regions: z.array(regionSchema).min(1),
  /** S3 buckets that exist from the start (S3 is one namespace for every region). */
  s3Buckets: z.array(bucketNameSchema).default([]),
});

/** A parsed, defaulted configuration. */
export type SandboxConfig = z.infer<typeof sandboxConfigSchema>;
/** What a caller may write: every field with a default is optional. */
export type SandboxConfigInput = z.input<typeof sandboxConfigSchema>;
export type RegionConfig = SandboxConfig['regions'][number];
export type TargetGroupConfig = RegionConfig['targetGroups'][number];
export type BaseImageConfig = RegionConfig['baseImages'][number];
export type LoadBalancerConfig = RegionConfig['loadBalancers'][number];
export type InstanceProfileConfig = SandboxConfig['instanceProfiles'][number];

/** Validates a configuration, naming the offending field in the error. */
export function parseSandboxConfig(input: unknown): SandboxConfig {
  const result = sandboxConfigSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid sandbox config:\n${lines.join('\n')}`);
  }
  const names = result.data.regions.map((r) => r.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`invalid sandbox config:\n  regions: region ${dup} appears twice`);
  for (const region of result.data.regions) {
    for (const [i, group] of region.targetGroups.entries()) {
      if (group.loadBalancerArn && !region.loadBalancers.some((lb) => lb.arn === group.loadBalancerArn)) {
        throw new Error(`invalid sandbox config:\n  regions.${region.name}.targetGroups.${i}.loadBalancerArn: no load balancer ${group.loadBalancerArn} in loadBalancers`);
      }
    }
  }
  return result.data;
}

/** Reads a `--config` file: YAML or JSON (JSON is YAML, so one parser reads both). */
export async function loadSandboxConfigFile(path: string): Promise<SandboxConfig> {
  const text = await readFile(path, 'utf8');
  return parseSandboxConfig(parseYaml(text));
}
