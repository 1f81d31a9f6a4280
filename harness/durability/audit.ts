import type { ResourceListing } from '../../sandbox';
import { imageNameFor } from '../../src/contracts';
import type { StartedDeploy } from './durability-world';

/** The example spec's shape, as far as the audit needs it. */
export interface FleetSpec {
  regions: string[];
  regionSettings: Record<string, { desiredCount: number }>;
  postDeploy: string[];
}

/** What one deploy run created more than once. */
export interface Duplicates {
  /** Builders launched beyond one per bake. */
  builders: number;
  /** Images beyond one per region (any state, deregistered included: each is a CreateImage/CopyImage that took). */
  images: number;
  /** Fleet instances beyond the desired count per region. */
  fleet: number;
  /** SSM commands sent beyond one per step (a resumed step that re-sent instead of polling). */
  commands: number;
}

/** What is alive in the sandbox that should not be. */
export interface Orphans {
  /** Instances not terminated that are not the live fleet. */
  instances: string[];
  /** hybrid-deploy images not deregistered that are not in the catalog of a completed deploy, or still pending. */
  images: string[];
  /** Target registrations of anything but the live fleet. */
  targets: string[];
  /** Our snapshots not deleted that no registered image is made of (billed, and found by nobody). */
  snapshots: string[];
  /** SSM commands still pending, delayed or running once the deploy has ended (nobody waits for them). */
  commands: string[];
}

/** The world a completed (or failed) deploy should leave: the live fleet and the catalog. */
export interface Expected {
  /** Instance ids of the live fleet, every env and region. */
  liveFleet: Set<string>;
  /** Names of the images completed immutable deploys put in the catalog. */
  catalog: Set<string>;
}

export function total(d: Duplicates): number {
  return d.builders + d.images + d.fleet + d.commands;
}

export function orphanCount(o: Orphans): number {
  return o.instances.length + o.images.length + o.targets.length + o.snapshots.length + o.commands.length;
}

/**
 * SendCommands a deploy makes when nothing is repeated: the bake's sync and each new fleet's
 * post-deploy tasks (immutable); one sync per region or batch, its post-deploy tasks in the same
 * command (partial, mutable).
 */
export function expectedCommands(procedure: StartedDeploy['procedure'], spec: FleetSpec, batchSize = 1): number {
  const post = spec.postDeploy.length > 0 ? 1 : 0;
  if (procedure === 'immutable') return 1 + spec.regions.length * post;
  if (procedure === 'partial') return spec.regions.length;
  return spec.regions.reduce((n, r) => n + Math.ceil(spec.regionSettings[r].desiredCount / batchSize), 0);
}

/** Counts what one run created more than once, from the sandbox's full listing (terminated and deregistered included). */
export function countDuplicates(listing: ResourceListing, deploy: StartedDeploy, spec: FleetSpec, app = 'example-app'): Duplicates {
  const ofRun = (tags: Record<string, string>) => tags['hybrid-deploy:run-id'] === deploy.runId;
  const role = (r: string) => listing.instances.filter((i) => ofRun(i.tags) && i.tags['hybrid-deploy:role'] === r);
  const builders = Math.max(0, role('builder').length - (deploy.procedure === 'immutable' ? 1 : 0));
  const imageName = imageNameFor(app, deploy.version, deploy.runId);
  let images = 0;
  let fleet = 0;
  for (const region of spec.regions) {
    const made = listing.images.filter((i) => i.region === region && (i.name === imageName || ofRun(i.tags))).length;
    images += Math.max(0, made - (deploy.procedure === 'immutable' ? 1 : 0));
    const launched = role('fleet').filter((i) => i.region === region).length;
    fleet += Math.max(0, launched - (deploy.procedure === 'mutable' ? 0 : spec.regionSettings[region].desiredCount));
  }
  // Every command names the version it is for (`hybrid-deploy sync 2.0.0`, `post-deploy 2.0.0`):
  // the second of slack before the start (whole-second clocks) must not count the previous
  // deploy's last post-deploy command, sent moments before this one started.
  const sent = listing.commands.filter((c) => Date.parse(c.requestedAt) >= deploy.startedAt - 1_000 && c.comment.endsWith(` ${deploy.version}`)).length;
  const commands = Math.max(0, sent - expectedCommands(deploy.procedure, spec));
  return { builders, images, fleet, commands };
}

/** Everything alive that the expected world does not account for. */
export function findOrphans(listing: ResourceListing, expected: Expected): Orphans {
  const instances = listing.instances.filter((i) => i.state !== 'terminated' && !expected.liveFleet.has(i.id)).map((i) => `${i.id} (${i.state}, ${i.tags['hybrid-deploy:role'] ?? 'untagged'})`);
  const images = listing.images
    .filter((i) => !i.deregistered && (i.name.startsWith('hybrid-deploy/') || i.tags['hybrid-deploy:app']))
    .filter((i) => i.state === 'pending' || !expected.catalog.has(i.name))
    .map((i) => `${i.id} (${i.region}, ${i.state}, ${i.name})`);
  const targets = listing.targetGroups
    .flatMap((g) => g.registrations.map((r) => ({ ...r, region: g.region })))
    .filter((r) => !expected.liveFleet.has(r.targetId))
    .map((r) => `${r.targetId} (${r.region}, ${r.state})`);
  const inUse = new Set(listing.images.filter((i) => !i.deregistered).flatMap((i) => i.snapshotIds));
  const snapshots = listing.snapshots
    .filter((s) => !s.deleted && s.tags['hybrid-deploy:app'] && !inUse.has(s.id))
    .map((s) => `${s.id} (${s.region}, ${s.state}, ${s.tags['hybrid-deploy:run-id'] ?? 'untagged'})`);
  const commands = listing.commands.filter((c) => ['Pending', 'InProgress', 'Cancelling'].includes(c.status)).map((c) => `${c.id} (${c.region}, ${c.status})`);
  return { instances, images, targets, snapshots, commands };
}

/** Is the live fleet what the spec asks for: the desired count running, each registered and healthy? */
export function fleetProblems(listing: ResourceListing, expected: Expected, spec: FleetSpec): string[] {
  const problems: string[] = [];
  for (const region of spec.regions) {
    const running = listing.instances.filter((i) => i.region === region && expected.liveFleet.has(i.id) && i.state === 'running');
    const want = spec.regionSettings[region].desiredCount;
    if (running.length !== want) problems.push(`${region}: ${running.length} live fleet instance(s) running, want ${want}`);
    const healthy = new Set(
      listing.targetGroups.filter((g) => g.region === region).flatMap((g) => g.registrations.filter((r) => r.state === 'healthy').map((r) => r.targetId)),
    );
    const unhealthy = running.filter((i) => !healthy.has(i.id));
    if (unhealthy.length > 0) problems.push(`${region}: ${unhealthy.map((i) => i.id).join(', ')} not healthy in the target group`);
  }
  return problems;
}
