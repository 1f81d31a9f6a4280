import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerDeploymentOptions } from '@temporalio/worker';
import { findPackageRoot } from './package-root';

/** Names the Worker Deployment a worker belongs to; unset → the worker runs unversioned. */
export const DEPLOYMENT_NAME_ENV = 'HYBRID_DEPLOY_DEPLOYMENT_NAME';
/** The worker's build id within the deployment; default {@link defaultBuildId}. */
export const BUILD_ID_ENV = 'HYBRID_DEPLOY_BUILD_ID';

/** A Worker Deployment version: which deployment, which build. */
export interface WorkerVersion {
  deploymentName: string;
  buildId: string;
}

/** A bad deployment name or build id: where it came from and what is wrong. */
export interface VersionProblem {
  path: string;
  message: string;
}

/**
 * The server's rules (Temporal 1.29): both non-empty and not starting with `__`; the deployment
 * name without `.` or `:` (they delimit versions). At most 100 characters each, so the server's
 * internal workflow id for the version fits the compose file's `limit.maxIDLength` of 255.
 */
export function versionProblems(version: Partial<WorkerVersion>, paths: Record<keyof WorkerVersion, string>): VersionProblem[] {
  const problems: VersionProblem[] = [];
  for (const field of ['deploymentName', 'buildId'] as const) {
    const value = version[field];
    const path = paths[field];
    if (!value) problems.push({ path, message: 'is empty (give a name, e.g. hybrid-deploy)' });
    else if (value.startsWith('__')) problems.push({ path, message: `"${value}" starts with "__", which Temporal reserves` });
    else if (value.length > 100) problems.push({ path, message: `"${value.slice(0, 20)}…" is ${value.length} characters long (at most 100)` });
    else if (field === 'deploymentName' && /[.:]/.test(value)) problems.push({ path, message: `"${value}" contains "." or ":", which delimit versions (use "-")` });
  }
  return problems;
}

/** Raised when the worker's version settings are invalid; the message names the variable and the fix. */
export class WorkerVersionConfigError extends Error {
  constructor(problems: VersionProblem[]) {
    super(`invalid worker version settings:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'WorkerVersionConfigError';
  }
}

/**
 * The default build id: the package version and the first 12 hex digits of the workflow bundle's
 * SHA-256 (`0.1.0-3fa9c1b2d4e5`). Two builds whose workflow code differs never share a build id;
 * CI that wants activity changes pinned too sets {@link BUILD_ID_ENV} (e.g. to the commit).
 */
export function defaultBuildId(bundlePath: string, packageVersion = ownPackageVersion()): string {
  const digest = createHash('sha256').update(readFileSync(bundlePath)).digest('hex').slice(0, 12);
  return `${packageVersion}-${digest}`;
}

function ownPackageVersion(): string {
  const root = findPackageRoot();
  return root ? (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string) : '0.0.0';
}

/**
 * This worker's version from the environment: {@link DEPLOYMENT_NAME_ENV} and {@link BUILD_ID_ENV}
 * (default: {@link defaultBuildId} of the prebuilt bundle). Undefined when no deployment name is
 * set: the worker then runs unversioned, as the dev-server quick start, the demo and the tests do.
 * Throws {@link WorkerVersionConfigError} on a bad name, or a build id that cannot be derived.
 */
export function workerVersionFromEnv(env: NodeJS.ProcessEnv, bundlePath: string | undefined): WorkerVersion | undefined {
  const deploymentName = env[DEPLOYMENT_NAME_ENV];
  if (deploymentName === undefined || deploymentName === '') {
    if (env[BUILD_ID_ENV]) throw new WorkerVersionConfigError([{ path: BUILD_ID_ENV, message: `is set but ${DEPLOYMENT_NAME_ENV} is not (set both, or neither to run unversioned)` }]);
    return undefined;
  }
  let buildId = env[BUILD_ID_ENV];
  if (!buildId) {
    if (!bundlePath || !existsSync(bundlePath)) {
      throw new WorkerVersionConfigError([{ path: BUILD_ID_ENV, message: `is unset and there is no prebuilt workflow bundle to derive it from (run npm run build, or set it)` }]);
    }
    buildId = defaultBuildId(bundlePath);
  }
  const version = { deploymentName, buildId };
  const problems = versionProblems(version, { deploymentName: DEPLOYMENT_NAME_ENV, buildId: BUILD_ID_ENV });
  if (problems.length > 0) throw new WorkerVersionConfigError(problems);
  return version;
}

/**
 * The SDK's Worker Deployment options for a version: every workflow this worker starts is
 * pinned, so a deploy runs to its end on the code that started it, whatever is rolled out
 * meanwhile. A versioned worker gets no new workflows until its version is made current.
 */
export function pinnedDeploymentOptions(version: WorkerVersion): WorkerDeploymentOptions {
  return { useWorkerVersioning: true, version, defaultVersioningBehavior: 'PINNED' };
}
