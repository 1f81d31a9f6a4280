/**
 * The control endpoint's truth: every resource with its state, including the ones the AWS APIs no
 * longer show (terminated instances, deregistered or failed images), so tests can prove nothing
 * was left behind.
 */
import { findProcessesWithEnv } from '../host/process-tracker';
import { aggregateStatus } from '../state/commands';
import { isVisible } from '../state/instances';
import type { SandboxState } from '../state/sandbox-state';
import { pingStatus } from '../ssm/instance-information';

/** One instance in the listing. */
export interface InstanceSummary {
  id: string;
  region: string;
  state: string;
  imageId: string;
  privateIp: string;
  launchTime: string;
  tags: Record<string, string>;
  agent: 'Online' | 'ConnectionLost' | 'NotRegistered';
  /** How long after reaching `running` its agent registered (or will): the profile's time plus the drawn jitter. */
  agentRegistrationMs?: number;
  /** Host pids of the instance's live processes (empty once stopped or terminated). */
  processes: number[];
  root: string;
  /** The instance's availability zone. */
  availabilityZone: string;
  /** Whether the AWS APIs show it now (a new one is hidden for the realism's lag; a long-terminated one is gone). */
  visible: boolean;
}

/** The whole listing. */
export interface ResourceListing {
  instances: InstanceSummary[];
  images: {
    id: string;
    region: string;
    name: string;
    state: string;
    deregistered: boolean;
    ownerId: string;
    stateReason?: { code: string; message: string };
    sourceInstanceId?: string;
    sourceImageId?: string;
    sourceRegion?: string;
    tags: Record<string, string>;
    /** The snapshots it is made of. */
    snapshotIds: string[];
    visible: boolean;
  }[];
  /** EBS snapshots, deleted ones included (`deleted: true`). */
  snapshots: { id: string; region: string; ownerId: string; state: string; deleted: boolean; description: string; tags: Record<string, string> }[];
  commands: {
    id: string;
    region: string;
    comment: string;
    status: string;
    requestedAt: string;
    invocations: { instanceId: string; status: string; statusDetails: string; responseCode: number }[];
  }[];
  targetGroups: {
    region: string;
    name: string;
    arn: string;
    loadBalancerUrl?: string;
    registrations: { targetId: string; port: number; state: string; reason?: string }[];
  }[];
  parameters: { region: string; name: string; value: string; version: number }[];
  /** S3 objects (bytes not included). */
  objects: { bucket: string; key: string; size: number; lastModified: string }[];
}

const tagRecord = (tags: { toList(): { Key?: string; Value?: string }[] }): Record<string, string> =>
  Object.fromEntries(tags.toList().map((t) => [t.Key ?? '', t.Value ?? '']));

/** Lists everything (scans /proc once per instance for its processes). */
export async function listResources(state: SandboxState): Promise<ResourceListing> {
  const instances = await Promise.all(
    state.instances.listAll().map(
      async (i): Promise<InstanceSummary> => ({
        id: i.id,
        region: i.region,
        state: i.state,
        imageId: i.imageId,
        privateIp: i.privateIp,
        launchTime: i.launchTime.toISOString(),
        tags: tagRecord(i.tags),
        agent: i.agent === 'not-registered' ? 'NotRegistered' : pingStatus(i),
        ...(i.agentRegistrationMs !== undefined ? { agentRegistrationMs: i.agentRegistrationMs } : {}),
        processes: await findProcessesWithEnv('SANDBOX_INSTANCE_ID', i.id),
        root: i.root,
        availabilityZone: i.availabilityZone,
        visible: isVisible(i, state.realism.terminatedVisibleMs),
      }),
    ),
  );
  return {
    instances,
    images: state.images.listAll().map((i) => ({
      id: i.id,
      region: i.region,
      name: i.name,
      state: i.state,
      deregistered: i.deregistered,
      ownerId: i.ownerId,
      stateReason: i.stateReason,
      sourceInstanceId: i.sourceInstanceId,
      sourceImageId: i.sourceImageId,
      sourceRegion: i.sourceRegion,
      tags: tagRecord(i.tags),
      snapshotIds: i.snapshotIds,
      visible: i.visibleAt <= Date.now(),
    })),
    snapshots: state.snapshots.listAll().map((s) => ({
      id: s.id,
      region: s.region,
      ownerId: s.ownerId,
      state: s.state,
      deleted: s.deleted,
      description: s.description,
      tags: tagRecord(s.tags),
    })),
    commands: state.commands.listAll().map((c) => ({
      id: c.id,
      region: c.region,
      comment: c.comment ?? '',
      status: aggregateStatus(c),
      requestedAt: c.requestedAt.toISOString(),
      invocations: [...c.invocations.values()].map((v) => ({
        instanceId: v.instanceId,
        status: v.status,
        statusDetails: v.statusDetails,
        responseCode: v.responseCode,
      })),
    })),
    targetGroups: state.targetGroups.listAll().map((g) => ({
      region: g.region,
      name: g.config.name,
      arn: g.config.arn,
      loadBalancerUrl: g.proxyUrl,
      registrations: [...g.registrations.values()].map((r) => ({ targetId: r.targetId, port: r.port, state: r.state, reason: r.reason })),
    })),
    parameters: state.parameters.listAll().map((p) => ({ region: p.region, name: p.name, value: p.value, version: p.version })),
    objects: state.objects.listAll().map((o) => ({ bucket: o.bucket, key: o.key, size: o.size, lastModified: o.lastModified.toISOString() })),
  };
}
