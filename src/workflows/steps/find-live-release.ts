import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { artifactUrlOf, type FleetMember, type LiveReleaseSource } from '../../contracts';
import type { DeployRun } from '../deploy-run/deploy-run';

/** Versions end up in paths, image names and tags: the same alphabet the CLI allows. */
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

/**
 * The nightly bake's first step when it follows the release: which version is live in the
 * environment now. The live fleet of the bake region says it (its instances' version tag, which
 * every procedure keeps true; the version most of them run, should a rollout be half done); with
 * no fleet, the newest image in the catalog does. From here on the run bakes that version, its
 * artifact the template filled in and checked against the `.sha256` published beside it.
 */
export async function findLiveRelease(run: DeployRun, source: LiveReleaseSource): Promise<void> {
  const { spec, tools, request } = run;
  const region = spec.regions[0];
  run.phase('resolving');
  const { instances } = await tools.findFleet({ region, app: spec.app, env: request.env }, `find the release live in ${request.env} (fleet of ${spec.app} in ${region})`);
  let version = mostCommonVersion(instances);
  let foundIn = `the live fleet in ${region}`;
  if (!version) {
    const newest = await tools.findLatestImage({ region, app: spec.app }, `find the newest image of ${spec.app} in ${region}`).catch((error: unknown) => {
      throw nothingLive(run, error);
    });
    version = newest.version;
    foundIn = `image ${newest.imageId}, the newest in the catalog of ${region}`;
  }
  if (!VERSION.test(version)) {
    throw ApplicationFailure.create({
      type: 'NoLiveRelease',
      nonRetryable: true,
      message: `the release found in ${foundIn} has version ${JSON.stringify(version)}, which is not a version hybrid-deploy can bake: run bake with --version`,
    });
  }
  run.settleRelease(version, { url: artifactUrlOf(source.artifactTemplateUrl, version), sha256Sidecar: true }, foundIn);
}

/** The version most instances carry (the lexically greatest of a tie, so every replay picks the same). */
function mostCommonVersion(instances: FleetMember[]): string | undefined {
  const counts = new Map<string, number>();
  for (const { version } of instances) if (version) counts.set(version, (counts.get(version) ?? 0) + 1);
  return [...counts].sort(([a, n], [b, m]) => m - n || b.localeCompare(a))[0]?.[0];
}

function nothingLive(run: DeployRun, error: unknown): Error {
  const cause = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause : undefined;
  if (cause?.type !== 'NoImageInCatalog') return error as Error;
  return ApplicationFailure.create({
    type: 'NoLiveRelease',
    nonRetryable: true,
    // The catalog's own words speak of a partial deploy: this message replaces them.
    message: `nothing of ${run.spec.app} is live in ${run.request.env} and no image is in the catalog of ${run.spec.regions[0]}: deploy a release first, or bake a fixed one with --version`,
  });
}
