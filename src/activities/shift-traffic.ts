import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ApplicationFailure } from '@temporalio/common';
import { awsCall } from '../aws/errors';
import { TransitionTimes } from '../aws/transition-times';
import { atMost, waitFor } from '../aws/wait';
import type { ActivityDeps } from './deps';
import type { ShiftTrafficInput, ShiftTrafficOutput } from '../contracts';

/**
 * Makes instances live and others not: registers `register` in the target group and waits until
 * every one is `healthy` (a `draining` or `initial` target never counts as up), then deregisters
 * `deregister` and waits until they have drained. Either list may be empty, so the same step
 * promotes a new fleet, drains a batch before a mutable sync, and puts it back after.
 */
export function createShiftTraffic({ clients, pollIntervalMs }: ActivityDeps) {
  // A group's drain lasts its deregistration delay and a target turns healthy after its threshold
  // of checks: the waits learn both per target group (see aws/transition-times.ts).
  const transitions = new TransitionTimes();
  return async function shiftTraffic(input: ShiftTrafficInput): Promise<ShiftTrafficOutput> {
    const elb = clients.elbv2(input.region);
    const targets = (ids: string[]) => ids.map((Id) => ({ Id, Port: input.port }));
    // Never called with no ids: DescribeTargetHealth without Targets describes the whole group.
    const health = async (ids: string[]): Promise<TargetHealthDescription[]> => {
      const { TargetHealthDescriptions } = await awsCall('elbv2:DescribeTargetHealth', () =>
        elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: input.targetGroupArn, Targets: targets(ids) })),
      );
      return TargetHealthDescriptions ?? [];
    };

    if (input.register.length > 0) {
      await awsCall('elbv2:RegisterTargets', () =>
        elb.send(new RegisterTargetsCommand({ TargetGroupArn: input.targetGroupArn, Targets: targets(input.register) })),
      );
      await waitFor({
        what: `${input.register.length} target(s) to be healthy in ${input.targetGroupArn}`,
        timeoutSeconds: input.timeouts.targetHealthy,
        pollIntervalMs,
        checkpoint: { phase: 'registering' },
        learn: { times: transitions, key: `${input.targetGroupArn} healthy` },
        check: async () => {
          const states = await health(input.register);
          failIfNotInUse(input, states);
          const notHealthy = states.filter((d) => d.TargetHealth?.State !== 'healthy');
          return {
            done: states.length === input.register.length && notHealthy.length === 0,
            anyChanged: notHealthy.length < states.length,
            progress: atMost(notHealthy.map((d) => `${d.Target?.Id}: ${d.TargetHealth?.State} ${d.TargetHealth?.Description ?? ''}`.trim())),
          };
        },
      });
    }

    // DeregisterTargets of a target that is not registered succeeds (as on AWS): a retried or
    // compensating call may repeat it safely.
    if (input.deregister.length > 0) {
      await awsCall('elbv2:DeregisterTargets', () =>
        elb.send(new DeregisterTargetsCommand({ TargetGroupArn: input.targetGroupArn, Targets: targets(input.deregister) })),
      );
      await waitFor({
        what: `${input.deregister.length} target(s) to drain from ${input.targetGroupArn}`,
        timeoutSeconds: input.timeouts.targetDrained,
        pollIntervalMs,
        checkpoint: { phase: 'draining' },
        learn: { times: transitions, key: `${input.targetGroupArn} drained` },
        check: async () => {
          const stillIn = (await health(input.deregister)).filter(stillRegistered);
          return { done: stillIn.length === 0, anyChanged: stillIn.length < input.deregister.length, progress: atMost(stillIn.map((d) => `${d.Target?.Id}: ${d.TargetHealth?.State}`)) };
        },
      });
    }
    return { healthy: input.register, drained: input.deregister };
  };
}

/** Registered in some way: serving, checking, draining, or `unused` for a reason other than not being registered. */
function stillRegistered(d: TargetHealthDescription): boolean {
  return d.TargetHealth?.State !== 'unused' || (d.TargetHealth.Reason !== undefined && d.TargetHealth.Reason !== 'Target.NotRegistered');
}

/**
 * A target that no load balancer sends traffic to (`unused`, `Target.NotInUse`: its target group
 * is attached to none, or its zone is not enabled on the load balancer) will never turn healthy:
 * fail at once with the fix instead of waiting out `targetHealthy`.
 */
function failIfNotInUse(input: ShiftTrafficInput, states: TargetHealthDescription[]): void {
  const idle = states.find((d) => d.TargetHealth?.Reason === 'Target.NotInUse');
  if (!idle) return;
  throw ApplicationFailure.create({
    type: 'TargetNotInUse',
    nonRetryable: true,
    message:
      `target ${idle.Target?.Id} in ${input.targetGroupArn} gets no traffic: ${idle.TargetHealth?.Description ?? 'Target.NotInUse'} ` +
      '(attach the target group to a load balancer, or enable the zones of regionSettings.<region>.subnetIds on it; `hybrid-deploy check` finds this before a deploy)',
  });
}
