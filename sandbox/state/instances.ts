/** Instances: the records and the store that holds them (no timers, no processes: see ec2/instance-lifecycle). */
import type { InstanceStateName } from '@aws-sdk/client-ec2';
import type { TagSet } from './tags';

/** AWS's numeric state codes. */
export const INSTANCE_STATE_CODES: Readonly<Record<InstanceStateName, number>> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

/** SSM agent state, as the sandbox models it. */
export type AgentState = 'not-registered' | 'online' | 'connection-lost';

/** One instance. */
export interface InstanceRecord {
  readonly id: string;
  readonly region: string;
  readonly reservationId: string;
  readonly imageId: string;
  readonly instanceType: string;
  readonly launchIndex: number;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
  readonly securityGroups: readonly { id: string; name: string }[];
  readonly privateIp: string;
  readonly root: string;
  readonly clientToken?: string;
  readonly iamInstanceProfileArn?: string;
  /** Whether the instance profile's role lets the SSM agent register (ssm:UpdateInstanceInformation). */
  readonly ssmAllowed: boolean;
  readonly userData?: string;
  readonly tags: TagSet;
  state: InstanceStateName;
  stateTransitionReason: string;
  stateReason?: { code: string; message: string };
  launchTime: Date;
  /** Bumped on every state change so a late timer for an earlier transition does nothing. */
  generation: number;
  agent: AgentState;
  /** A control-endpoint override: keep the agent offline whatever the state. */
  agentForcedOffline: boolean;
  agentLastPing?: Date;
  /** How long after reaching `running` (this boot) its agent registers: the profile's time plus the realism's jitter, as drawn. */
  agentRegistrationMs?: number;
  /** A control-endpoint override: fail every ELB health check. */
  failHealthChecks: boolean;
  /** Status checks pass once the agent-online delay after running has elapsed. */
  statusOk: boolean;
  bootCount: number;
  /** Epoch ms from which the API shows it (eventual consistency: a new instance is hidden for a while). */
  visibleAt: number;
  /** Epoch ms when it reached `stopped` (CreateImage right after can still fail, as on AWS). */
  stoppedAt?: number;
  /** Epoch ms when it reached `terminated` (it stays describable for a while, then is gone). */
  terminatedAt?: number;
}

/** See {@link InstanceStore.getVisible}. */
export function isVisible(instance: InstanceRecord, terminatedVisibleMs: number, now = Date.now()): boolean {
  if (instance.visibleAt > now) return false;
  return instance.terminatedAt === undefined || now < instance.terminatedAt + terminatedVisibleMs;
}

/** A reservation made by a client token, to answer a repeated RunInstances identically. */
export interface TokenReservation {
  reservationId: string;
  instanceIds: string[];
  /** Every parameter of the request but the token: a reuse with any change is a mismatch. */
  fingerprint: string;
}

/** Every instance ever launched (terminated ones stay listed, as AWS keeps them visible for a while). */
export class InstanceStore {
  private readonly byId = new Map<string, InstanceRecord>();
  private readonly byToken = new Map<string, TokenReservation>();

  add(instance: InstanceRecord): void {
    this.byId.set(instance.id, instance);
  }

  get(id: string): InstanceRecord | undefined {
    return this.byId.get(id);
  }

  /** The instance if it lives in `region` (ids are per region in AWS), visible to the API or not. */
  getInRegion(region: string, id: string): InstanceRecord | undefined {
    const i = this.byId.get(id);
    return i && i.region === region ? i : undefined;
  }

  /**
   * The instance if the API shows it: not before `visibleAt` (a new instance), and not once it
   * has been terminated for longer than `terminatedVisibleMs` (AWS forgets it after about an hour).
   */
  getVisible(region: string, id: string, terminatedVisibleMs: number, now = Date.now()): InstanceRecord | undefined {
    const i = this.getInRegion(region, id);
    return i && isVisible(i, terminatedVisibleMs, now) ? i : undefined;
  }

  /** The instances of the region the API shows. */
  listVisible(region: string, terminatedVisibleMs: number, now = Date.now()): InstanceRecord[] {
    return this.listInRegion(region).filter((i) => isVisible(i, terminatedVisibleMs, now));
  }

  listInRegion(region: string): InstanceRecord[] {
    return [...this.byId.values()].filter((i) => i.region === region);
  }

  listAll(): InstanceRecord[] {
    return [...this.byId.values()];
  }

  /** Instances not yet terminated (they hold an IP and count against the limit). */
  countLive(): number {
    return [...this.byId.values()].filter((i) => i.state !== 'terminated').length;
  }

  reservationForToken(region: string, token: string): TokenReservation | undefined {
    return this.byToken.get(`${region}\0${token}`);
  }

  rememberToken(region: string, token: string, reservation: TokenReservation): void {
    this.byToken.set(`${region}\0${token}`, reservation);
  }

  clear(): void {
    this.byId.clear();
    this.byToken.clear();
  }
}
