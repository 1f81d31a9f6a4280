/**
 * The toolset's inputs and outputs: every activity takes one `XxxInput` and resolves to one
 * `XxxOutput`, plain serializable objects that workflows build and activities read. Kept here,
 * free of Node and the AWS SDK, so workflow code never reaches into an activity's implementation.
 */
import type { DeploySpec, HealthCheck, ServiceSettings } from '../request/schema';
import type { ArtifactRef, RunKind } from './deploy-request';
import type { CatalogImage, CommandResult, FleetMember, InstanceRef, ReapedResource, SyncResult } from './fleet';
import type { OwnedBy, Ownership, Role } from './tags';

/**
 * Input of `preflight`: what a run is about to do, checked before it mutates anything (base
 * image, catalog, subnets and their zones, security groups, target group and its load balancer,
 * instance profile and SSM). The CLI's `check` runs the same checks.
 */
export interface PreflightInput {
  procedure: RunKind;
  spec: DeploySpec;
}
export interface PreflightOutput {
  /** What was checked and found fine. */
  checked: string[];
  /** What could not be checked (e.g. IAM not readable by the worker); not a failure. */
  unchecked: string[];
}

/** Input of `resolveBaseImage`: the spec's `baseImage` (an AMI id or an SSM parameter path) in one region. */
export interface ResolveBaseImageInput {
  region: string;
  baseImage: string;
}
export interface ResolveBaseImageOutput {
  imageId: string;
}

/** Input of `launchInstances`. */
export interface LaunchInstancesInput {
  region: string;
  imageId: string;
  count: number;
  instanceType: string;
  subnetIds: string[];
  securityGroupIds: string[];
  iamInstanceProfile?: string;
  owner: Ownership;
  role: Role;
  userTags?: Record<string, string>;
  /** Extra tags for this launch (e.g. an expiry on a kept builder). */
  extraTags?: Record<string, string>;
  /** Names this launch within the run, for its ClientToken: the same step never launches twice. */
  step: string;
  timeouts: { instanceRunning: number; agentOnline: number };
}
export interface LaunchInstancesOutput {
  instances: InstanceRef[];
}

/**
 * Where SSM writes the whole output of a command (`SendCommand`'s `OutputS3BucketName` and
 * `OutputS3KeyPrefix`): the spec's `commandOutput`, the prefix narrowed to the run and the step.
 */
export interface CommandOutputLocation {
  s3Bucket: string;
  s3KeyPrefix: string;
}

/** Input of `runOnInstances`. */
export interface RunOnInstancesInput {
  region: string;
  instanceIds: string[];
  commands: string[];
  /** Shown in the SSM console and Temporal's history: say what the commands are for. */
  comment: string;
  workingDirectory?: string;
  timeoutSeconds: number;
  /** Throw a non-retryable `CommandFailed` if any instance fails (default true). */
  failOnError?: boolean;
  /** Keep the whole output in S3 (SSM's API returns only its first 24,000 characters). */
  commandOutput?: CommandOutputLocation;
}
export interface RunOnInstancesOutput {
  results: CommandResult[];
}

/** Input of `syncCode`. */
export interface SyncCodeInput {
  region: string;
  instanceIds: string[];
  service: ServiceSettings;
  version: string;
  /** Required to place a new release; unused by a rollback to a release already on disk. */
  artifact?: ArtifactRef;
  /** Install the bake's packages and commands first (on a builder). */
  provision?: { packages: string[]; commands: string[] };
  /** `rollback`: switch `current` back to `version`, which must already be on disk. */
  mode?: 'deploy' | 'rollback';
  timeoutSeconds: number;
  failOnError?: boolean;
  /** Keep the whole output in S3 (the bake's commands stream theirs to stderr then). */
  commandOutput?: CommandOutputLocation;
  /** The spec's post-deploy commands, run as written after the restart, in the same SSM command. */
  postDeploy?: string[];
}
export interface SyncCodeOutput {
  results: SyncResult[];
}

/** Input of `bakeAmi`. */
export interface BakeAmiInput {
  region: string;
  builderInstanceId: string;
  imageName: string;
  baseImageId: string;
  /** The bake key the image is tagged with (see `findReusableImage`), when one could be computed. */
  bakeKey?: string;
  owner: Ownership;
  userTags?: Record<string, string>;
  timeouts: { instanceRunning: number; imageAvailable: number };
}
export interface BakeAmiOutput {
  imageId: string;
  imageName: string;
}

/** Input of `copyAmi`. */
export interface CopyAmiInput {
  sourceRegion: string;
  sourceImageId: string;
  region: string;
  imageName: string;
  owner: Ownership;
  userTags?: Record<string, string>;
  timeoutSeconds: number;
}
export interface CopyAmiOutput {
  imageId: string;
}

/** Input of `deregisterImage`: the image of this (deterministic) name in a region, if any. */
export interface DeregisterImageInput {
  region: string;
  imageName: string;
}
export interface DeregisterImageOutput {
  deregistered?: string;
}

/** Input of `smokeTest`. */
export interface SmokeTestInput {
  /** Where the targets run (for progress and logs; the checks go to their addresses). */
  region: string;
  targets: InstanceRef[];
  healthCheck: HealthCheck;
  version: string;
}
export interface SmokeTestOutput {
  passed: string[];
}

/** Input of `shiftTraffic`. */
export interface ShiftTrafficInput {
  region: string;
  targetGroupArn: string;
  port: number;
  register: string[];
  deregister: string[];
  timeouts: { targetHealthy: number; targetDrained: number };
}
export interface ShiftTrafficOutput {
  healthy: string[];
  drained: string[];
}

/** Input of `findFleet`. */
export interface FindFleetInput {
  region: string;
  app: string;
  env: string;
}
export interface FindFleetOutput {
  instances: FleetMember[];
}

/** Input of `findLatestImage`: the image catalog of an app in one region. */
export interface FindLatestImageInput {
  region: string;
  app: string;
}
export type FindLatestImageOutput = CatalogImage;

/** Input of `tagInstances`. */
export interface TagInstancesInput {
  region: string;
  instanceIds: string[];
  tags: Record<string, string>;
}
export interface TagInstancesOutput {
  tagged: string[];
}

/** Input of `terminateInstances`: by id, or every live one a run created in a role (found by tag). */
export interface TerminateInstancesInput {
  region: string;
  instanceIds?: string[];
  ownedBy?: OwnedBy;
  timeoutSeconds: number;
}
export interface TerminateInstancesOutput {
  terminated: string[];
}

/** Input of `keepInstances`: which instances to keep, and the tags that say why and until when. */
export interface KeepInstancesInput {
  region: string;
  instanceIds?: string[];
  /** Every live instance a run created in a role (found by tag, so a launch cut short is found too). */
  ownedBy?: OwnedBy;
  /** E.g. `hybrid-deploy:expires-at`: the reaper terminates the instance once that time has passed. */
  tags: Record<string, string>;
  timeoutSeconds: number;
}
export interface KeepInstancesOutput {
  kept: string[];
}

/** Input of `reapExpired`: one region. */
export interface ReapInput {
  region: string;
  /** Only resources tagged with this app (a spec's app); every hybrid-deploy resource when omitted. */
  app?: string;
  /** The time to judge expiry and age by (ISO); the reaper workflow passes its own clock. */
  now: string;
  /** A builder without an expiry older than this, whose deploy is not running, is an orphan. */
  maxBuilderAgeHours: number;
  /** Report what would be removed; remove nothing. */
  dryRun: boolean;
  timeoutSeconds: number;
}
export interface ReapOutput {
  removed: ReapedResource[];
}
