import type { Ownership, Role } from './aws/tags';
import type { HealthCheck, ServiceSettings } from '../spec/schema';

/** An instance as the procedures track it: its id and the address smoke tests use. */
export interface InstanceRef {
  instanceId: string;
  privateIp: string;
}

/** Input of {@link launchInstances}. */
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

/** Input of {@link runOnInstances}. */
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
}

/** How one instance ran a command. */
export interface CommandResult {
  instanceId: string;
  status: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Input of {@link syncCode}. */
export interface SyncCodeInput {
  region: string;
  instanceIds: string[];
  service: ServiceSettings;
  version: string;
  /** Required to place a new release; unused by a rollback to a release already on disk. */
  artifact?: { url: string; sha256?: string };
  /** Install the bake's packages and commands first (on a builder). */
  provision?: { packages: string[]; commands: string[] };
  /** `rollback`: switch `current` back to `version`, which must already be on disk. */
  mode?: 'deploy' | 'rollback';
  timeoutSeconds: number;
  failOnError?: boolean;
}

/** What syncCode did on one instance. */
export interface SyncResult {
  instanceId: string;
  ok: boolean;
  /** The release `current` pointed at before (empty on a fresh instance). */
  previousVersion: string;
  /** False when the version was already current: a no-op. */
  changed: boolean;
  error?: string;
}

/** Input of {@link bakeAmi}. */
export interface BakeAmiInput {
  region: string;
  builderInstanceId: string;
  imageName: string;
  baseImageId: string;
  owner: Ownership;
  userTags?: Record<string, string>;
  timeouts: { instanceRunning: number; imageAvailable: number };
}

/** Input of {@link copyAmi}. */
export interface CopyAmiInput {
  sourceRegion: string;
  sourceImageId: string;
  region: string;
  imageName: string;
  owner: Ownership;
  userTags?: Record<string, string>;
  timeoutSeconds: number;
}

/** Input of {@link smokeTest}. */
export interface SmokeTestInput {
  targets: InstanceRef[];
  healthCheck: HealthCheck;
  version: string;
}

/** Input of {@link shiftTraffic}. */
export interface ShiftTrafficInput {
  region: string;
  targetGroupArn: string;
  port: number;
  register: string[];
  deregister: string[];
  timeouts: { targetHealthy: number; targetDrained: number };
}

/** Input of {@link findFleet}. */
export interface FindFleetInput {
  region: string;
  app: string;
  env: string;
}
