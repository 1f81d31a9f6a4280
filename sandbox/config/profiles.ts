/**
 * Latency profiles: how long each simulated AWS state transition takes.
 *
 * One table, so a reader sees every duration at once and a test can override a single field.
 * Durations are milliseconds and are multiplied by the time scale; counts are not.
 */

/** Every timing the sandbox uses. `*Ms` fields scale with the time scale; counts do not. */
export interface Timings {
  /** RunInstances/StartInstances: `pending` → `running`. */
  instanceLaunchMs: number;
  /** StopInstances: `stopping` → `stopped`. */
  instanceStopMs: number;
  /** TerminateInstances: `shutting-down` → `terminated`. */
  instanceTerminateMs: number;
  /** After `running`: the SSM agent registers (`PingStatus: Online`) and status checks pass. */
  agentOnlineMs: number;
  /** CreateImage: `pending` → `available` (at least; the root copy must also have finished). */
  imageCreateMs: number;
  /** CopyImage: `pending` → `available` in the destination region. */
  imageCopyMs: number;
  /** SendCommand → the invocation becomes visible (before: `InvocationDoesNotExist`, as AWS). */
  commandVisibleMs: number;
  /** How long `Pending` lasts before the agent picks the invocation up and runs it. */
  commandStartMs: number;
  /** ELBv2 health-check interval. */
  healthCheckIntervalMs: number;
  /** Timeout of one health-check request. */
  healthCheckTimeoutMs: number;
  /** Consecutive successes that make a target healthy. */
  healthyThreshold: number;
  /** Consecutive failures that make a target unhealthy. */
  unhealthyThreshold: number;
  /** DeregisterTargets: how long a target stays `draining`. */
  deregistrationDelayMs: number;
  /** How long boot waits for one `/opt/boot.d` script before starting the next one anyway. */
  bootScriptWaitMs: number;
}

/** The profile names, as a const object plus a type (no TS enum). */
export const ProfileName = { instant: 'instant', fast: 'fast', realistic: 'realistic' } as const;
export type ProfileName = (typeof ProfileName)[keyof typeof ProfileName];

/**
 * The profile table.
 *
 * - `instant`: for unit tests. Every delay is 0 ms, but a resource is still born in its
 *   transitional state (the create/start/stop response shows `pending`/`stopping`…); the
 *   transition happens on the next timer tick, so the first describe may already see the end state.
 *   Health checks still need real HTTP round trips, so they run every 100 ms with thresholds of 1.
 * - `fast`: the demo; transitions take 0.3–2 s.
 * - `realistic`: the typical AWS durations of `reference/facts.md`; use with a time scale
 *   (e.g. 0.01 turns a one-minute launch into 0.6 s).
 */
export const PROFILES: Readonly<Record<ProfileName, Timings>> = {
  instant: {
    instanceLaunchMs: 0,
    instanceStopMs: 0,
    instanceTerminateMs: 0,
    agentOnlineMs: 0,
    imageCreateMs: 0,
    imageCopyMs: 0,
    commandVisibleMs: 0,
    commandStartMs: 0,
    healthCheckIntervalMs: 100,
    healthCheckTimeoutMs: 1_000,
    healthyThreshold: 1,
    unhealthyThreshold: 1,
    deregistrationDelayMs: 0,
    bootScriptWaitMs: 5_000,
  },
  fast: {
    instanceLaunchMs: 800,
    instanceStopMs: 500,
    instanceTerminateMs: 500,
    agentOnlineMs: 500,
    imageCreateMs: 1_500,
    imageCopyMs: 2_000,
    commandVisibleMs: 100,
    commandStartMs: 100,
    healthCheckIntervalMs: 250,
    healthCheckTimeoutMs: 1_000,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
    deregistrationDelayMs: 1_000,
    bootScriptWaitMs: 5_000,
  },
  realistic: {
    instanceLaunchMs: 60_000,
    instanceStopMs: 60_000,
    instanceTerminateMs: 60_000,
    agentOnlineMs: 45_000,
    imageCreateMs: 15 * 60_000,
    imageCopyMs: 15 * 60_000,
    commandVisibleMs: 1_000,
    commandStartMs: 1_000,
    healthCheckIntervalMs: 30_000,
    healthCheckTimeoutMs: 5_000,
    healthyThreshold: 5,
    unhealthyThreshold: 2,
    deregistrationDelayMs: 300_000,
    bootScriptWaitMs: 5_000,
  },
};

/** Fields that are counts, not durations: the time scale leaves them alone. */
const COUNT_FIELDS: ReadonlySet<keyof Timings> = new Set(['healthyThreshold', 'unhealthyThreshold']);

/**
 * Resolves a profile and scales its durations, then applies per-field overrides as given
 * (an override is an absolute value: a test that sets 2000 ms gets 2000 ms whatever the scale).
 * Health checks keep a floor (50 ms interval, 200 ms timeout) because they are real HTTP requests;
 * the boot-script wait is not scaled because it guards real process start-up, not AWS latency.
 */
export function resolveTimings(
  profile: ProfileName,
  timeScale = 1,
  overrides: Partial<Timings> = {},
): Timings {
  if (!(timeScale > 0)) throw new Error(`time scale must be > 0, got ${timeScale}`);
  const scaled: Timings = { ...PROFILES[profile] };
  for (const key of Object.keys(scaled) as (keyof Timings)[]) {
    if (COUNT_FIELDS.has(key) || key === 'bootScriptWaitMs') continue;
    scaled[key] = Math.round(scaled[key] * timeScale);
  }
  scaled.healthCheckIntervalMs = Math.max(50, scaled.healthCheckIntervalMs);
  scaled.healthCheckTimeoutMs = Math.max(200, scaled.healthCheckTimeoutMs);
  return { ...scaled, ...overrides };
}
