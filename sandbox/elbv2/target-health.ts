/**
 * Real HTTP health checks and the target state machine:
 * `initial` → `healthy` after `healthyThreshold` successes; `healthy`/`initial` → `unhealthy`
 * after `unhealthyThreshold` failures; back to `healthy` after enough successes. A stopped
 * instance is `unused` (Target.InvalidState); a terminated one is deregistered (draining), as ELB does.
 * A target no load balancer sends traffic to (see describe-load-balancers.ts) is not probed.
 */
import http from 'node:http';
import type { TargetHealthReasonEnum } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SandboxState } from '../state/sandbox-state';
import { notInUse } from './describe-load-balancers';
import { registrationKey, type Registration, type TargetGroupRecord } from '../state/target-groups';

/** The timings that apply to one group: its config overrides, else the profile. */
export function groupTimings(state: SandboxState, group: TargetGroupRecord): {
  intervalMs: number;
  timeoutMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  deregistrationDelayMs: number;
} {
  const t = state.timings;
  return {
    intervalMs: group.config.healthCheckIntervalMs ?? t.healthCheckIntervalMs,
    timeoutMs: t.healthCheckTimeoutMs,
    healthyThreshold: group.config.healthyThreshold ?? t.healthyThreshold,
    unhealthyThreshold: group.config.unhealthyThreshold ?? t.unhealthyThreshold,
    deregistrationDelayMs: group.config.deregistrationDelayMs ?? t.deregistrationDelayMs,
  };
}

/** The port health checks go to for a target. */
export function healthPort(group: TargetGroupRecord, reg: Registration): number {
  return group.config.healthCheckPort === 'traffic-port' ? reg.port : group.config.healthCheckPort;
}

/** `200`, `200-299`, `200,302` (ELBv2 `Matcher.HttpCode`). */
export function matchesCode(matcher: string, code: number): boolean {
  return matcher.split(',').some((part) => {
    const [lo, hi] = part.trim().split('-').map(Number);
    return hi === undefined ? code === lo : code >= lo && code <= hi;
  });
}

/** Starts draining; the registration disappears after the deregistration delay. */
export function beginDraining(state: SandboxState, group: TargetGroupRecord, reg: Registration): void {
  reg.state = 'draining';
  reg.reason = 'Target.DeregistrationInProgress';
  reg.description = 'Target deregistration is in progress';
  const generation = ++reg.generation;
  state.scheduler.after(groupTimings(state, group).deregistrationDelayMs, `drain ${reg.targetId}`, () => {
    const key = registrationKey(reg.targetId, reg.port);
    if (group.registrations.get(key) === reg && reg.generation === generation) group.registrations.delete(key);
  });
}

interface ProbeResult {
  ok: boolean;
  reason?: TargetHealthReasonEnum;
  description?: string;
}

function probe(ip: string, port: number, path: string, matcher: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = http.get({ host: ip, port, path, agent: false, timeout: timeoutMs, headers: { 'user-agent': 'ELB-HealthChecker/2.0' } }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(
        matchesCode(matcher, code)
          ? { ok: true }
          : { ok: false, reason: 'Target.ResponseCodeMismatch', description: `Health checks failed with these codes: [${code}]` },
      );
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ ok: false, reason: 'Target.Timeout', description: 'Request timed out' });
    });
    req.on('error', () => resolve({ ok: false, reason: 'Target.FailedHealthChecks', description: 'Health checks failed' }));
  });
}

/** One round of health checks for every registration of the group. */
export async function checkGroup(state: SandboxState, group: TargetGroupRecord): Promise<void> {
  const t = groupTimings(state, group);
  await Promise.all(
    [...group.registrations.values()].map(async (reg) => {
      if (reg.state === 'draining') return;
      const instance = state.instances.get(reg.targetId);
      if (!instance || instance.state === 'terminated' || instance.state === 'shutting-down') {
        beginDraining(state, group, reg);
        return;
      }
      if (notInUse(state, group, instance)) return; // no load balancer probes it (DescribeTargetHealth says why)
      if (instance.state !== 'running') {
        Object.assign(reg, { state: 'unused', reason: 'Target.InvalidState', description: `Target is in the ${instance.state} state`, consecutiveOk: 0, consecutiveFail: 0 });
        return;
      }
      if (reg.state === 'unused') {
        Object.assign(reg, { state: 'initial', reason: 'Elb.RegistrationInProgress', description: 'Target registration is in progress' });
      }
      const generation = reg.generation;
      const result: ProbeResult = instance.failHealthChecks
        ? { ok: false, reason: 'Target.FailedHealthChecks', description: 'Health checks failed' }
        : await probe(instance.privateIp, healthPort(group, reg), group.config.healthCheckPath, group.config.matcher, t.timeoutMs);
      if (reg.generation !== generation) return; // deregistered (draining) or re-registered while probing
      if (result.ok) {
        reg.consecutiveOk++;
        reg.consecutiveFail = 0;
        if (reg.state !== 'healthy' && reg.consecutiveOk >= t.healthyThreshold) {
          Object.assign(reg, { state: 'healthy', reason: undefined, description: undefined });
        }
      } else {
        reg.consecutiveFail++;
        reg.consecutiveOk = 0;
        if (reg.state !== 'unhealthy' && reg.consecutiveFail >= t.unhealthyThreshold) {
          Object.assign(reg, { state: 'unhealthy', reason: result.reason, description: result.description });
        } else if (reg.state === 'unhealthy') {
          Object.assign(reg, { reason: result.reason, description: result.description });
        }
      }
    }),
  );
}
