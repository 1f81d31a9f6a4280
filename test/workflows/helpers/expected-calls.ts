/**
 * The calls the procedures make on the fake toolset, as `FakeToolset.lines()` shows them, for the
 * parts two procedures share. The version is the one `deployRequest` deploys (2.0.0); the fleets
 * are the fake's (two old instances, two new ones per region).
 */

const BASE_IMAGE = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

/** The old fleet's ids in a region, as the call lines show them. */
export const oldIds = (region: string) => `i-${region}-old-1 i-${region}-old-2`;
/** The new fleet's ids in a region, as the call lines show them. */
export const newIds = (region: string) => `i-${region}-fleet-1 i-${region}-fleet-2`;

/**
 * The bake in its region (immutable deploy, nightly bake): base image, bake key lookup, builder,
 * release, smoke test, image. The builder's termination runs beside what follows (copies, the
 * fleet launch), so its place among those calls varies: see {@link asideBuilderTermination}.
 */
export function bakeCalls(region: string, lookedUpIn: string[] | null = [region]): string[] {
  const builder = `i-${region}-builder-1`;
  return [
    `resolveBaseImage ${region} ${BASE_IMAGE}`,
    // The catalog lookup of the bake key names no single region (absent from `linesIn`: pass null).
    ...(lookedUpIn ? [`findReusableImage ${lookedUpIn.join(' ')} from ami-base-${region}`] : []),
    `launchInstances ${region} builder x1 from ami-base-${region}`,
    `syncCode ${region} [${builder}] deploy 2.0.0 +provision`,
    `smokeTest [${builder}] 2.0.0`,
    `bakeAmi ${region} from ${builder}`,
  ];
}

/**
 * The call lines without the builder's termination, which runs beside the copies and the fleet
 * launch; and where it was: `once, after the bake, before going live` when it was.
 */
export function asideBuilderTermination(lines: string[], region: string): { lines: string[]; termination: string } {
  const termination = `terminateInstances ${region} [i-${region}-builder-1]`;
  const at = lines.flatMap((line, index) => (line === termination ? [index] : []));
  const bake = lines.findIndex((line) => line.startsWith(`bakeAmi ${region}`));
  const live = lines.findIndex((line) => line.startsWith('shiftTraffic'));
  const where =
    at.length !== 1 ? `${at.length} times` : at[0] < bake ? 'before the bake' : live >= 0 && at[0] > live ? 'after going live' : 'once, after the bake, before going live';
  return { lines: lines.filter((line) => line !== termination), termination: where };
}

/**
 * A new fleet in one region (immutable and partial deploys), from finding the live fleet to
 * retiring it; the partial procedure places the release on the new fleet after launching it,
 * its post-deploy tasks in the same command.
 */
export function newFleetCalls(region: string, imageId: string, { placeRelease = false } = {}): string[] {
  return [
    `findFleet ${region}`,
    `launchInstances ${region} fleet x2 from ${imageId}`,
    placeRelease ? `syncCode ${region} [${newIds(region)}] deploy 2.0.0 +post-deploy` : `runOnInstances ${region} [${newIds(region)}] "post-deploy 2.0.0"`,
    `smokeTest [${newIds(region)}] 2.0.0`,
    `shiftTraffic ${region} +[${newIds(region)}] -[${oldIds(region)}]`,
    `terminateInstances ${region} [${oldIds(region)}]`,
  ];
}
