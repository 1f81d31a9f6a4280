import type { DeployRun } from '../deploy-run/deploy-run';

/** Registers instances in the region's target group and waits until every one is healthy. */
export async function putBackInService(run: DeployRun, region: string, instanceIds: string[]): Promise<void> {
  await run.tools.shiftTraffic({ ...run.trafficOf(region), register: instanceIds, deregister: [] }, `put ${instanceIds.length} instance(s) back in service in ${region}`);
}
