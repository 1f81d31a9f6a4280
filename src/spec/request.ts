import { z } from 'zod';
import type { DeploySpec } from './schema';

/** The three procedures, one toolset. */
export const PROCEDURES = ['immutable', 'partial', 'mutable'] as const;
export type Procedure = (typeof PROCEDURES)[number];

/** What a run does: one of the procedures, or a bake alone (the nightly bake that keeps the catalog fresh). */
export type RunKind = Procedure | 'bake';

const ENV_NAME = /^[a-z][a-z0-9-]{0,30}$/;
/** Versions end up in paths, image names and tags, so they keep to a safe alphabet. */
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const ARTIFACT_URL = /^(s3:\/\/[^/\s]+\/\S+|https?:\/\/\S+|file:\/\/\/\S+)$/;

/** The parts of a deploy request a person types on the command line. */
export const DeployArgumentsSchema = z.strictObject({
  env: z.string().regex(ENV_NAME, { error: (i) => `${JSON.stringify(i.input)} is not an environment name (lowercase, e.g. prod, staging)` }),
  version: z.string().regex(VERSION, { error: (i) => `${JSON.stringify(i.input)} is not a version (letters, digits, . _ + -, e.g. 1.4.2)` }),
  artifactUrl: z.string().regex(ARTIFACT_URL, {
    error: (i) => `${JSON.stringify(i.input)} is not an artifact URL (s3://bucket/key, https://host/path or file:///abs/path)`,
  }),
  sha256: z
    .string()
    .regex(SHA256, { error: (i) => `${JSON.stringify(i.input)} is not a sha256 (64 lowercase hex digits)` })
    .optional(),
});
export type DeployArguments = z.output<typeof DeployArgumentsSchema>;

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
 * The workflow id of a deploy — one running deploy per app and environment — or of a bake
 * (`bake/<app>/<env>`, which may run beside a deploy: it changes no fleet).
 */
export function deployWorkflowId(app: string, env: string, kind: RunKind = 'immutable'): string {
  return `${kind === 'bake' ? 'bake' : 'deploy'}/${app}/${env}`;
}
