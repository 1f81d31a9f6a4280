import { z } from 'zod';
import { RESERVED_TAG_PREFIXES } from '../contracts/tags';
import { ApprovalSchema, CommandOutputSchema, NotifySchema } from './operations-schema';
import { AWS_REGIONS } from './regions';
import { parseCountOrPercent } from './rollout';

const APP_NAME = /^[a-z][a-z0-9-]{1,38}[a-z0-9]$/;
const AMI_ID = /^ami-[0-9a-f]{8,17}$/;
const SSM_PARAMETER = /^\/[A-Za-z0-9_.\-/]+$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const TARGET_GROUP_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const ABSOLUTE_PATH = /^\/[A-Za-z0-9_.\-/]+$/;

const quoted = (input: unknown) => JSON.stringify(input);

const regionName = z.string().refine((value) => AWS_REGIONS.has(value), {
  error: (issue) => `${quoted(issue.input)} is not a region name (e.g. us-east-1)`,
});

/**
 * A shell command from the spec. It runs exactly as written (each in its own file, under `sh`),
 * so any shell syntax is fine; only what no shell can take is refused.
 */
const command = z
  .string()
  .min(1)
  .max(64 * 1024)
  .refine((text) => !text.includes('\0'), { error: 'holds a NUL byte, which no shell command can contain' });

/**
 * The spec's `tags`: AWS's limits, and no key with a reserved prefix. `hybrid-deploy:` tags are
 * how the product proves what it made (a user's `hybrid-deploy:expires-at` on a fleet would
 * otherwise invite the reaper); `aws:` is AWS's own, in any case.
 */
const userTags = z.record(z.string().min(1).max(128), z.string().max(256)).superRefine((tags, ctx) => {
  for (const key of Object.keys(tags)) {
    const prefix = RESERVED_TAG_PREFIXES.find((reserved) => key.toLowerCase().startsWith(reserved));
    if (prefix) {
      ctx.addIssue({ code: 'custom', path: [key], message: `${quoted(key)} uses the reserved prefix ${quoted(prefix)}: hybrid-deploy sets those tags itself (and AWS the aws: ones); choose another key` });
    }
  }
});

/** A bounded wait, in seconds. */
const seconds = (fallback: number) => z.number().int().positive().max(172_800).default(fallback);

function pattern(re: RegExp, what: string, example: string) {
  return z.string().regex(re, { error: (issue) => `${quoted(issue.input)} is not ${what} (e.g. ${example})` });
}

/**
 * Directories of the operating system itself. The sync script makes `releases/`, `current` and
 * `shared/` inside the install dir and prunes old releases there, so it needs a directory of its own.
 */
const SYSTEM_DIRS = new Set([
  '/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/libx32', '/media', '/mnt', '/opt', '/proc', '/root',
  '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/usr/bin', '/usr/include', '/usr/lib', '/usr/lib64', '/usr/libexec', '/usr/local',
  '/usr/local/bin', '/usr/local/lib', '/usr/local/sbin', '/usr/local/share', '/usr/sbin', '/usr/share', '/usr/src', '/var', '/var/cache',
  '/var/lib', '/var/log', '/var/opt', '/var/run', '/var/spool', '/var/tmp',
]);
/** Trees of the kernel's and the devices' files, where nothing written is an ordinary lasting file. */
const SYSTEM_TREES = ['/proc', '/sys', '/dev'];

/** Why a path cannot be an install dir, or undefined when it can. */
function installDirProblem(path: string): string | undefined {
  const example = '(e.g. /opt/my-app)';
  if (path !== '/' && !ABSOLUTE_PATH.test(path)) return `is not an absolute path ${example}`;
  const dots = path.split('/').find((segment) => segment === '.' || segment === '..');
  if (dots) return `has a ${quoted(dots)} segment: write the directory it means, without . or .. ${example}`;
  const normal = path.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  if (SYSTEM_DIRS.has(normal)) return `is a system directory: releases/, current and shared/ need a directory of their own ${example}`;
  if (normal !== path) return `has an empty segment (a doubled or trailing /): write it as ${quoted(normal)}`;
  const tree = SYSTEM_TREES.find((root) => path.startsWith(`${root}/`));
  if (tree) return `is inside ${tree}, which holds the kernel's or the devices' files, not an app's ${example}`;
  return undefined;
}

const installDir = z.string().superRefine((path, ctx) => {
  const problem = installDirProblem(path);
  if (problem) ctx.addIssue({ code: 'custom', message: `${quoted(path)} ${problem}` });
});

/** Where and how many instances run in one region. */
export const RegionSettingsSchema = z.strictObject({
  subnetIds: z.array(pattern(SUBNET_ID, 'a subnet id', 'subnet-0123456789abcdef0')).min(1),
  securityGroupIds: z.array(pattern(SECURITY_GROUP_ID, 'a security group id', 'sg-0123456789abcdef0')).min(1),
  targetGroupArn: pattern(TARGET_GROUP_ARN, 'a target group ARN', 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef'),
  desiredCount: z.number().int().min(1).max(1000),
});

/** The health check the smoke test and the load balancer agree on. */
export const HealthCheckSchema = z.strictObject({
  port: z.number().int().min(1).max(65535).default(8080),
  path: z.string().startsWith('/').default('/health'),
  expectedStatus: z.number().int().min(100).max(599).default(200),
  /** A substring the body must contain, if any. */
  expectedBody: z.string().optional(),
  /**
   * Every check also requires the app to report exactly the deployed version: as the top-level
   * `version` field of a JSON body, or in an `X-App-Version` header.
   */
  requireVersion: z.boolean().default(true),
  timeoutSeconds: seconds(60),
});

/** How the app is installed and run on an instance. */
export const ServiceSchema = z.strictObject({
  installDir,
  start: command,
  stop: command,
  /** Defaults to stop, then start. */
  restart: command.optional(),
  /** Releases kept on disk besides the current and previous one. */
  keepReleases: z.number().int().min(1).max(100).default(3),
  healthCheck: HealthCheckSchema.prefault({}),
});

/** What a bake installs before the release lands on the builder. */
export const BakeSchema = z.strictObject({
  packages: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9+._:-]*$/)).default([]),
  commands: z.array(command).default([]),
  /** Keep a failed builder, stopped and tagged with an expiry (`hybrid-deploy:expires-at`), for inspection. */
  keepBuilderOnFailure: z.boolean().default(false),
  /** How long a kept builder lives before the reaper (`hybrid-deploy reap`) terminates it. */
  keepBuilderHours: z.number().positive().max(24 * 365).default(24),
});

/**
 * Which images `hybrid-deploy housekeeping` keeps, per app and region: the newest `keep`, any
 * younger than `minAgeDays`, and always the newest and every image in use. The rest are
 * deregistered with their snapshots.
 */
export const RetentionSchema = z.strictObject({
  keep: z.number().int().min(1).max(1000).default(5),
  minAgeDays: z.number().min(0).max(3650).default(7),
});

const countOrPercent = z.union([z.number().int().min(0), z.string()]).refine((v) => parseCountOrPercent(v) !== undefined, {
  error: (issue) => `${quoted(issue.input)} is not a count or a percentage (e.g. 2 or "25%")`,
});

/** Rolling batches of the mutable procedure (command-line flags override them). */
export const RolloutSchema = z.strictObject({
  batchSize: countOrPercent.default('50%'),
  minHealthy: countOrPercent.default('50%'),
});

/** Upper bounds for every wait, in seconds. */
export const TimeoutsSchema = z.strictObject({
  instanceRunning: seconds(600),
  agentOnline: seconds(600),
  command: seconds(1800),
  imageAvailable: seconds(3600),
  copyAvailable: seconds(7200),
  targetHealthy: seconds(600),
  targetDrained: seconds(900),
  instanceTerminated: seconds(1200),
  /** A worker that stops heartbeating for this long is presumed dead; its activity resumes elsewhere. */
  heartbeat: seconds(30),
});

/** A deploy spec: one file per app. */
export const DeploySpecSchema = z
  .strictObject({
    app: pattern(APP_NAME, 'a safe app name (3-40 of a-z, 0-9, -, starting with a letter)', 'shop-api'),
    regions: z.array(regionName).min(1),
    baseImage: z.string().refine((value) => AMI_ID.test(value) || SSM_PARAMETER.test(value), {
      error: (issue) => `${quoted(issue.input)} is neither an AMI id (ami-0123456789abcdef0) nor an SSM parameter path (/aws/service/...)`,
    }),
    instanceType: pattern(INSTANCE_TYPE, 'an instance type', 't3.micro'),
    iamInstanceProfile: z.string().min(1).optional(),
    tags: userTags.default({}),
    regionSettings: z.record(z.string(), RegionSettingsSchema),
    bake: BakeSchema.prefault({}),
    retention: RetentionSchema.prefault({}),
    service: ServiceSchema,
    postDeploy: z.array(command).default([]),
    rollout: RolloutSchema.prefault({}),
    timeouts: TimeoutsSchema.prefault({}),
    approval: ApprovalSchema.prefault({}),
    notify: NotifySchema.prefault({}),
    commandOutput: CommandOutputSchema.optional(),
  })
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    spec.regions.forEach((region, index) => {
      if (seen.has(region)) ctx.addIssue({ code: 'custom', path: ['regions', index], message: `${quoted(region)} is listed twice` });
      seen.add(region);
      if (!spec.regionSettings[region]) {
        ctx.addIssue({ code: 'custom', path: ['regionSettings'], message: `has no entry for ${quoted(region)} (every region in regions needs subnetIds, securityGroupIds, targetGroupArn and desiredCount)` });
      }
    });
    for (const region of Object.keys(spec.regionSettings)) {
      if (!spec.regions.includes(region)) {
        ctx.addIssue({ code: 'custom', path: ['regionSettings', region], message: `${quoted(region)} is not in regions (add it there or remove this entry)` });
      }
    }
  });

/** A validated deploy spec with every default applied. */
export type DeploySpec = z.output<typeof DeploySpecSchema>;
/** A deploy spec as written in a file. */
export type DeploySpecInput = z.input<typeof DeploySpecSchema>;
export type RegionSettings = z.output<typeof RegionSettingsSchema>;
export type ServiceSettings = z.output<typeof ServiceSchema>;
export type HealthCheck = z.output<typeof HealthCheckSchema>;
export type Timeouts = z.output<typeof TimeoutsSchema>;
export type { CommandOutputSettings, Webhook } from './operations-schema';
