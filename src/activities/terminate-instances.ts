import { ownedInstances } from '../aws/owned-instances';
import { confirmTerminated, sendTerminate } from '../aws/terminate';
import { consistencyWindow, type ActivityDeps } from './deps';
import type { TerminateInstancesInput, TerminateInstancesOutput } from '../contracts';

/**
 * Terminates instances (a builder, a failed new fleet, a retired old fleet) and waits until
 * they are gone, confirming each by id. Instances already gone count as done, so it is safe to
 * repeat. Selecting by owner lets compensation find instances whose ids never reached the
 * workflow (a launch cut short by a crash or a cancellation); since a tag filter cannot see an
 * instance AWS does not show yet, the owner is looked up again once the first ones are gone,
 * until a look finds nothing new.
 */
export function createTerminateInstances(deps: ActivityDeps) {
  const { clients, pollIntervalMs } = deps;
  return async function terminateInstances(request: TerminateInstancesInput): Promise<TerminateInstancesOutput> {
    const ec2 = clients.ec2(request.region);
    const started = Date.now();
    const done = new Set<string>();
    let next = [...new Set([...(request.instanceIds ?? []), ...(request.ownedBy ? await ownedInstances(ec2, request.ownedBy) : [])])];
    // Bounded: each round terminates at least one new instance, and a run owns finitely many.
    while (next.length > 0) {
      const accepted = await sendTerminate(ec2, request.region, next, consistencyWindow(deps), started);
      await confirmTerminated(ec2, request.region, accepted, request.timeoutSeconds, pollIntervalMs);
      next.forEach((id) => done.add(id));
      next = request.ownedBy ? (await ownedInstances(ec2, request.ownedBy)).filter((id) => !done.has(id)) : [];
    }
    return { terminated: [...done] };
  };
}
