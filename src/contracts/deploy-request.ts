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

/** Where a release comes from, and how its bytes are checked. */
export interface ArtifactRef {
  /** `s3://bucket/key`, `https://…` or `file:///…`: a `.tar.gz` whose top level is the release. */
  url: string;
  /** The expected sha256 (hex). */
  sha256?: string;
  /**
   * No sha256 is known up front (a bake of the live release, found at bake time): the machine
   * that fetches the artifact also fetches `<url>.sha256` beside it and checks against that.
   */
  sha256Sidecar?: boolean;
}

/**
 * A bake of whatever release is live in the environment when the bake runs: the nightly bake
 * follows the release instead of being pinned to one. The version is found at bake time (the
 * fleet's version tag, else the newest image in the catalog) and the artifact is the template
 * with `{version}` filled in, checked against its `.sha256` sidecar.
 */
export interface LiveReleaseSource {
  /** The artifact URL of any version, `{version}` standing for it: `s3://releases/shop/{version}.tar.gz` (sealed in history, as every `…Url` is). */
  artifactTemplateUrl: string;
}

/** The `version` of a bake request that follows the live release, until the bake finds the version. */
export const LIVE_VERSION = 'live';

/** What `{version}` stands for in an artifact template. */
export const VERSION_PLACEHOLDER = '{version}';

/** The artifact URL of `version`: the template with every `{version}` filled in. */
export function artifactUrlOf(template: string, version: string): string {
  return template.split(VERSION_PLACEHOLDER).join(version);
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
  artifact: ArtifactRef;
  /** Bakes only: bake the release live in `env` when the bake runs (`version` is {@link LIVE_VERSION} until then). */
  liveRelease?: LiveReleaseSource;
  rollout?: RolloutOptions;
  /** Immutable deploys and bakes: bake even when an image with the same bake key exists (`--force-bake`). */
  forceBake?: boolean;
  /** Wait for a person's approval before traffic moves (`--require-approval`), whatever the spec's `approval.required` says. */
  requireApproval?: boolean;
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
