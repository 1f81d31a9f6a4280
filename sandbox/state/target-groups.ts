/** ELBv2 target groups (from the config) and their registrations. */
import type { TargetHealthReasonEnum, TargetHealthStateEnum } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TargetGroupConfig } from '../config/schema';

/** One registered (or draining) target. */
export interface Registration {
  readonly targetId: string;
  readonly port: number;
  state: TargetHealthStateEnum;
  reason?: TargetHealthReasonEnum;
  description?: string;
  consecutiveOk: number;
  consecutiveFail: number;
  /** Bumped on (re)registration so a stale drain timer does not remove a re-registered target. */
  generation: number;
}

/** A target group and its live registrations. */
export interface TargetGroupRecord {
  readonly region: string;
  readonly config: TargetGroupConfig;
  readonly registrations: Map<string, Registration>;
  /** Set once the proxy listens. */
  proxyUrl?: string;
}

/** Key of a registration: a target is an instance id and a port. */
export function registrationKey(targetId: string, port: number): string {
  return `${targetId}:${port}`;
}

/** All target groups by ARN. */
export class TargetGroupStore {
  private readonly byArn = new Map<string, TargetGroupRecord>();

  add(record: TargetGroupRecord): void {
    this.byArn.set(record.config.arn, record);
  }

  getInRegion(region: string, arn: string): TargetGroupRecord | undefined {
    const g = this.byArn.get(arn);
    return g && g.region === region ? g : undefined;
  }

  listInRegion(region: string): TargetGroupRecord[] {
    return [...this.byArn.values()].filter((g) => g.region === region);
  }

  listAll(): TargetGroupRecord[] {
    return [...this.byArn.values()];
  }

  /** Forgets every registration (reset); the groups themselves come from the config and stay. */
  clearRegistrations(): void {
    for (const g of this.byArn.values()) g.registrations.clear();
  }
}
