import { patched } from '@temporalio/workflow';
import { BUILDER_LAUNCH_STEP, imageNameFor, TagKeys } from '../../contracts';
import type { DeployRun } from '../deploy-run/deploy-run';
import { findReusableImage } from './find-reusable-image';

/** The image a deploy's regions get theirs from: baked now in the bake region, or reused. */
export interface BakedImage {
  /** Where the image copies are made from. */
  region: string;
  imageId: string;
  /** The name this run gives its images (and copies): undo steps find them by it. */
  imageName: string;
  /** A reused image: regions that already hold one with the same bake key need no copy. */
  existing?: Record<string, string>;
  /**
   * The builder, terminating beside the copies (off the critical path): resolves once it is gone
   * and only then drops its undo step, so a failure anywhere before that still terminates it and
   * says so in the report. Rejects if the termination failed. See {@link builderGone}.
   */
  builderTerminated?: () => Promise<void>;
}

/**
 * Step 1 of the immutable procedure (and the whole of the nightly bake's first half): bake an
 * image holding the release, made of the same tools the faster procedures use. In the bake
 * region: resolve the spec's base image (an AMI id or an SSM parameter), launch a builder from
 * it, place the release on it with syncCode (installing the bake's packages first), check that
 * it answers, stop it and make the image, terminate the builder. Undo steps terminate the builder
 * and deregister the image if anything after fails; with `bake.keepBuilderOnFailure` the builder
 * is kept instead (see {@link builderUndo}). An image baked earlier from the same inputs (its bake
 * key) is reused instead, unless the request forces a bake: no builder, no CreateImage.
 */
export async function bakeImage(run: DeployRun): Promise<BakedImage> {
  const { spec, owner, tools, compensations, request } = run;
  const region = spec.regions[0];
  const settings = run.settings(region);
  const timeouts = spec.timeouts;
  run.phase('resolving');
  const { imageId: baseImageId } = await tools.resolveBaseImage({ region, baseImage: spec.baseImage }, `resolve base image ${spec.baseImage} in ${region}`);
  let bakeKey: string | undefined;
  // Histories recorded before bake keys existed go straight from the base image to the builder.
  if (patched('reuse-baked-images')) {
    const found = await findReusableImage(run, baseImageId);
    if (found.reused) return found.reused;
    bakeKey = found.bakeKey;
  }
  run.phase('baking');
  run.region(region, { phase: 'baking' });

  const dropBuilderUndo = compensations.add(...builderUndo(run, region));
  const {
    instances: [builder],
  } = await tools.launchInstances({
    region,
    imageId: baseImageId,
    count: 1,
    instanceType: spec.instanceType,
    subnetIds: settings.subnetIds.slice(0, 1),
    securityGroupIds: settings.securityGroupIds,
    iamInstanceProfile: spec.iamInstanceProfile,
    owner,
    role: 'builder',
    userTags: spec.tags,
    // The reaper recomputes the builder's ClientToken from this step to prove it is a builder.
    step: BUILDER_LAUNCH_STEP,
    timeouts,
  }, `launch the builder (1 × ${spec.instanceType}) in ${region} from ${baseImageId}`);
  await tools.syncCode({
    region,
    instanceIds: [builder.instanceId],
    service: spec.service,
    version: request.version,
    artifact: request.artifact,
    provision: { packages: spec.bake.packages, commands: spec.bake.commands },
    timeoutSeconds: timeouts.command,
  }, `provision builder ${builder.instanceId} and place ${request.version} on it`);
  // A release that does not start on the builder would not start from the image either: stop here, before the slow part.
  await tools.smokeTest({ region, targets: [builder], healthCheck: spec.service.healthCheck, version: request.version }, `smoke test ${request.version} on builder ${builder.instanceId}`);

  const imageName = imageNameFor(spec.app, request.version, owner.runId);
  compensations.add(`deregister image ${imageName} in ${region}`, () => tools.deregisterImage({ region, imageName }, `undo: deregister image ${imageName} in ${region}`));
  const { imageId } = await tools.bakeAmi(
    { region, builderInstanceId: builder.instanceId, imageName, baseImageId, bakeKey, owner, userTags: spec.tags, timeouts },
    `stop builder ${builder.instanceId}, make image ${imageName} in ${region}`,
  );
  run.region(region, { imageId });
  const terminateBuilder = () =>
    tools.terminateInstances({ region, instanceIds: [builder.instanceId], timeoutSeconds: timeouts.instanceTerminated }, `terminate builder ${builder.instanceId} in ${region}`);
  // Histories recorded before this change waited for the builder to be gone before copying.
  if (!patched('copy-beside-builder-termination')) {
    await terminateBuilder();
    dropBuilderUndo();
    return { region, imageId, imageName };
  }
  // The image is complete once available: the copies need nothing more of the builder, so it
  // terminates beside them (a minute at AWS's pace that no longer sits on the critical path).
  const terminated = terminateBuilder();
  // Awaited by the procedure (builderGone); until then a failure is held, not unhandled.
  terminated.catch(() => undefined);
  const builderTerminated = async () => {
    await terminated;
    dropBuilderUndo();
  };
  return { region, imageId, imageName, builderTerminated };
}

/**
 * The bake's last loose end, before anything goes live: the builder, terminating beside the
 * copies, is gone. A failure to terminate it fails the deploy here, and its undo step, still
 * registered, tries again.
 */
export async function builderGone(image: BakedImage): Promise<void> {
  await image.builderTerminated?.();
}

/**
 * The builder's undo step: terminate it, or — with `bake.keepBuilderOnFailure`, for debugging a
 * failed bake — stop it and tag it `hybrid-deploy:expires-at` (now + `bake.keepBuilderHours`), so
 * that `hybrid-deploy reap` terminates it once nobody needs it. The expiry is computed when the
 * undo runs, from the workflow's clock (`Date.now()` is deterministic in a workflow).
 */
function builderUndo(run: DeployRun, region: string): [string, () => Promise<unknown>] {
  const { spec, owner, tools } = run;
  const ownedBy = { workflowId: owner.workflowId, runId: owner.runId, role: 'builder' } as const;
  if (!spec.bake.keepBuilderOnFailure) {
    return [`terminate the builder in ${region}`, () => tools.terminateInstances({ region, ownedBy, timeoutSeconds: spec.timeouts.instanceTerminated }, `undo: terminate the builder in ${region}`)];
  }
  const hours = spec.bake.keepBuilderHours;
  return [
    `keep the builder in ${region} for inspection: stopped, expires in ${hours}h`,
    () => {
      const expiresAt = new Date(Date.now() + hours * 3_600_000).toISOString();
      return tools.keepInstances(
        { region, ownedBy, tags: { [TagKeys.expiresAt]: expiresAt }, timeoutSeconds: spec.timeouts.instanceRunning },
        `undo: keep the builder in ${region}, stopped, until ${expiresAt}`,
      );
    },
  ];
}
