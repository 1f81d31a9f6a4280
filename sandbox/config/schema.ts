/**
 * The sandbox's configuration: its shape (zod), and loading it from a JSON or YAML file.
 * The default lives in `../default-config.ts`; a file or a test may replace any part of it.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ProfileName, type Timings } from './profiles';

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

const regionSchema = z.object({
  name: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
  vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/),
  subnets: z.array(subnetSchema).min(1),
  securityGroups: z.array(securityGroupSchema).default([]),
  baseImages: z.array(baseImageSchema).default([]),
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

/** The whole configuration; also the `--config` file format (JSON or YAML). */
export const sandboxConfigSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/).default('000000000000'),
  profile: z.enum([ProfileName.instant, ProfileName.fast, ProfileName.realistic]).default('fast'),
  timeScale: z.number().positive().default(1),
  /** Per-field overrides of the profile, absolute milliseconds. */
  timings: timingsSchema.default({}),
  /** Upper bound of live (not terminated) instances; RunInstances beyond it → InstanceLimitExceeded. */
  maxInstances: z.number().int().min(1).default(64),
  regions: z.array(regionSchema).min(1),
});

/** A parsed, defaulted configuration. */
export type SandboxConfig = z.infer<typeof sandboxConfigSchema>;
/** What a caller may write: every field with a default is optional. */
export type SandboxConfigInput = z.input<typeof sandboxConfigSchema>;
export type RegionConfig = SandboxConfig['regions'][number];
export type TargetGroupConfig = RegionConfig['targetGroups'][number];
export type BaseImageConfig = RegionConfig['baseImages'][number];

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
  return result.data;
}

/** Reads a `--config` file: YAML or JSON (JSON is YAML, so one parser reads both). */
export async function loadSandboxConfigFile(path: string): Promise<SandboxConfig> {
  const text = await readFile(path, 'utf8');
  return parseSandboxConfig(parseYaml(text));
}
