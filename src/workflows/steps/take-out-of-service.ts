import type { DeployRun } from '../deploy-run/deploy-run';

/** Deregisters instances from the region's target group and waits until they have drained. */
export async function takeOutOfService(run: DeployRun, region: string, instanceIds: string[]): Promise<void> {
  await run.tools.shiftTraffic({ ...run.trafficOf(region), register: [], deregister: instanceIds }, `take ${instanceIds.length} instance(s) out of service in ${region}`);
}
