/**
 * Realism: the ways AWS is unkind on real accounts, each one a knob. On in the `fast` and
 * `realistic` profiles, off in `instant` (unit tests of other behaviour). Every knob follows an
 * AWS page or public issue, cited here and in sandbox/README.md ("Realism").
 *
 * Durations are milliseconds and scale with the time scale, as the profile's timings do; a
 * config's `realism` overrides are absolute (applied after scaling), like `timings`.
 */
import type { ProfileName } from './profiles';

/** A temporary `InsufficientInstanceCapacity` in one availability zone, for one instance type or all. */
export interface CapacityShortage {
  availabilityZone: string;
  /** `*` (default) for every type. */
  instanceType: string;
  /** How long the shortage lasts from when it is set (config: from the sandbox start); absent = until cleared. */
  forMs?: number;
}

/** Every realism knob. */
export interface Realism {
  /** Master switch: off means none of the knobs below apply (the `instant` profile). */
  enabled: boolean;
  /**
   * A new instance, image (CreateImage, CopyImage) or SSM command stays invisible — `Describe*`,
   * `CreateTags`, `GetCommandInvocation`… answer NotFound — for a random time in [min, max] ms.
   * AWS EC2 API guide, "Eventual consistency in the Amazon EC2 API"; hashicorp/packer#2033,
   * ansible/ansible#4368; aws/aws-cli#3546 for SSM.
   */
  visibilityLagMs: { min: number; max: number };
  /** A terminated instance stays describable (`terminated`) this long, then is NotFound (AWS: about an hour). */
  terminatedVisibleMs: number;
  /**
   * For this long after an instance reached `stopped`, CreateImage still answers
   * `InvalidParameterValue` "Instance is not in state 'running' or 'stopped'" (hashicorp/packer#9562, #9579).
   */
  stoppedSettleMs: number;
  /**
   * The SSM agent registers only when the instance's profile's role allows
   * `ssm:UpdateInstanceInformation` (AWS Systems Manager guide, "Configure instance permissions").
   */
  ssmNeedsInstanceProfile: boolean;
  /** Registration takes `agentOnlineMs` plus a random extra in [0, this] ms (30 s to minutes on AWS). */
  agentRegistrationJitterMs: number;
  /** EC2's request token buckets (reference/facts.md) throttle from the start (`RequestLimitExceeded`). */
  ec2Buckets: boolean;
  /** Zones (and types) without capacity: RunInstances there answers `InsufficientInstanceCapacity`. */
  insufficientCapacity: CapacityShortage[];
}

/** Realism off: what the `instant` profile uses and what `enabled: false` means. */
export const REALISM_OFF: Readonly<Realism> = {
  enabled: false,
  visibilityLagMs: { min: 0, max: 0 },
  terminatedVisibleMs: Number.POSITIVE_INFINITY,
  stoppedSettleMs: 0,
  ssmNeedsInstanceProfile: false,
  agentRegistrationJitterMs: 0,
  ec2Buckets: false,
  insufficientCapacity: [],
};

/** The realism of each profile, before scaling. */
export const PROFILE_REALISM: Readonly<Record<ProfileName, Realism>> = {
  instant: REALISM_OFF,
  fast: {
    enabled: true,
    visibilityLagMs: { min: 0, max: 400 },
    terminatedVisibleMs: 60_000,
    stoppedSettleMs: 300,
    ssmNeedsInstanceProfile: true,
    agentRegistrationJitterMs: 500,
    ec2Buckets: false,
    insufficientCapacity: [],
  },
  realistic: {
    enabled: true,
    visibilityLagMs: { min: 0, max: 5_000 },
    terminatedVisibleMs: 3_600_000,
    stoppedSettleMs: 5_000,
    ssmNeedsInstanceProfile: true,
    agentRegistrationJitterMs: 60_000,
    ec2Buckets: true,
    insufficientCapacity: [],
  },
};

/** What a config may override: any knob, as given (absolute milliseconds). */
export type RealismOverrides = Partial<Realism>;

/**
 * The realism in force: the profile's, scaled, with the overrides laid over it. `enabled: false`
 * (from the profile or an override) turns every knob off, whatever else is given.
 */
export function resolveRealism(profile: ProfileName, timeScale = 1, overrides: RealismOverrides = {}): Realism {
  const base = PROFILE_REALISM[profile];
  if (overrides.enabled === false || (!base.enabled && overrides.enabled !== true)) return { ...REALISM_OFF };
  const scale = (ms: number) => (Number.isFinite(ms) ? Math.round(ms * timeScale) : ms);
  const scaled: Realism = {
    ...base,
    enabled: true,
    visibilityLagMs: { min: scale(base.visibilityLagMs.min), max: scale(base.visibilityLagMs.max) },
    terminatedVisibleMs: scale(base.terminatedVisibleMs),
    stoppedSettleMs: scale(base.stoppedSettleMs),
    agentRegistrationJitterMs: scale(base.agentRegistrationJitterMs),
  };
  const merged = { ...scaled, ...overrides, enabled: true };
  if (merged.visibilityLagMs.max < merged.visibilityLagMs.min) {
    throw new Error(`realism.visibilityLagMs: max (${merged.visibilityLagMs.max}) is below min (${merged.visibilityLagMs.min})`);
  }
  return merged;
}

/** A random lag in the configured window (0 when realism is off). */
export function randomLag(window: { min: number; max: number }): number {
  return window.min + Math.floor(Math.random() * (window.max - window.min + 1));
}
