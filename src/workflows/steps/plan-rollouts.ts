import { ApplicationFailure } from '@temporalio/workflow';
import { planBatches, type BatchPlan, type FleetMember } from '../../contracts';
import type { DeployRun } from '../deploy-run/deploy-run';

/**
 * Plans each region's rolling batches: the batch size and the minimum-healthy floor (the
 * request's flags over the spec's `rollout`), applied to the fleet found in that region.
 */
export function planRollouts(run: DeployRun, fleets: FleetMember[][]): BatchPlan[] {
  const rollout = { ...run.spec.rollout, ...run.request.rollout };
  return fleets.map((fleet, i) => {
    try {
      return planBatches(fleet.length, rollout.batchSize, rollout.minHealthy);
    } catch (error) {
      throw ApplicationFailure.create({ type: 'InvalidRollout', nonRetryable: true, message: `${run.spec.regions[i]}: ${(error as Error).message}` });
    }
  });
}
