import type { DeploySpec } from '../request/schema';

/** The three procedures, one toolset. */
export const PROCEDURES = ['immutable', 'partial', 'mutable'] as const;
export type Procedure = (typeof PROCEDURES)[number];

/** What a run does: one of the procedures, or a bake alone (the nightly bake that keeps the catalog fresh). */
export type RunKind = Procedure | 'bake';

/** Rolling settings for the mutable procedure, overriding the spec's `rollout`: counts or percentages of the fleet. */
export interface RolloutOptions {
  /** Instances per batch: a count (`2`) or a percentage of the fleet (`"25%"`). */
  batchSize?: number | string;
  /** Instances that must stay in service: a count or a percentage. */
  minHealthy?: number | string;
}

/**
 * What a deploy workflow receives. Plain, serializable, and free of secrets: it is visible in
 * the Web UI. Credentials come from the worker's environment.
 */
export interface DeployRequest {
  procedure: RunKind;
  spec: DeploySpec;
  env: string;
  version: string;
  artifact: { url: string; sha256?: string };
  rollout?: RolloutOptions;
  /** Operator tuning; the defaults suit almost everyone. */
  limits?: {
    /** A rolling sync continues as new once its history passes this many events (default 2,000). */
    historyEventsPerRun?: number;
  };
}

/**
 * The workflow type each run kind starts (by name, so starting one needs no workflow code). The
 * reaper removes only what a run of one of these types created.
 */
export const RUN_WORKFLOW_TYPES = {
  immutable: 'fullyImmutableDeploy',
  partial: 'partiallyImmutableDeploy',
  mutable: 'mutableDeploy',
  bake: 'nightlyBake',
} as const satisfies Record<RunKind, string>;

/**
 * The workflow id of a deploy — one running deploy per app and environment — or of a bake
 * (`bake/<app>/<env>`, which may run beside a deploy: it changes no fleet).
 */
export function deployWorkflowId(app: string, env: string, kind: RunKind = 'immutable'): string {
  return `${kind === 'bake' ? 'bake' : 'deploy'}/${app}/${env}`;
}
