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

/** The bake in its region (immutable deploy, nightly bake): base image, bake key lookup, builder, release, smoke test, image, builder gone. */
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
    `terminateInstances ${region} [${builder}]`,
  ];
}

/**
 * A new fleet in one region (immutable and partial deploys), from finding the live fleet to
 * retiring it; the partial procedure places the release on the new fleet after launching it.
 */
export function newFleetCalls(region: string, imageId: string, { placeRelease = false } = {}): string[] {
  return [
    `findFleet ${region}`,
    `launchInstances ${region} fleet x2 from ${imageId}`,
    ...(placeRelease ? [`syncCode ${region} [${newIds(region)}] deploy 2.0.0`] : []),
    `runOnInstances ${region} [${newIds(region)}] "post-deploy 2.0.0"`,
    `smokeTest [${newIds(region)}] 2.0.0`,
    `shiftTraffic ${region} +[${newIds(region)}] -[${oldIds(region)}]`,
    `terminateInstances ${region} [${oldIds(region)}]`,
  ];
}
